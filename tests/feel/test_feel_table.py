"""Table-driven FEEL cases: expression, variables, expected JSON (see feel_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from feel_cases import ALL_CASES

from connectors.feel import evaluate, to_json


def test_the_table_is_large_enough() -> None:
    assert len(ALL_CASES) >= 300


@pytest.mark.parametrize(("expression", "variables", "expected"), ALL_CASES)
def test_expression(expression: str, variables: dict[str, Any], expected: Any) -> None:
    result = to_json(evaluate(expression, variables))
    assert result == expected
    # 1 and 1.0 compare equal in Python; the JSON type must match too
    assert type(result) is type(expected)
