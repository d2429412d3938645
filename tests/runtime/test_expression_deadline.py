"""The run's one time limit also bounds its result and error expressions (issue 14, item 9).

A connector that answers at once leaves its result expression the rest of the limit; an
expression that would loop for minutes within FEEL's step budget (each step copying a large
text) is stopped there, and the job fails saying why, instead of holding a worker.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from connectors import feel
from connectors.elementtemplates.job import FEEL_TIME_LIMIT, _feel
from connectors.runtime import EXPRESSION_TIME_FLOOR

# about a megabyte of text, then 200,000 steps that each copy it: minutes of work
SLOW = (
    '{big: string join(for i in 1..100000 return "0123456789", ""), '
    "n: count(for i in 1..200000 return substring(big, 2))}"
)


@pytest.mark.parametrize("header", ["resultExpression", "errorExpression"])
def test_a_slow_expression_ends_at_the_runs_time_limit(header: str, run: Any) -> None:
    started = time.perf_counter()
    outcome = run({"respond": {"a": 1}}, {header: "=" + SLOW}, time_limit=1.5)
    elapsed = time.perf_counter() - started
    assert outcome.kind == "failed"
    assert "ran past its time limit" in outcome.message
    # a hang guard relative to the limits at play: not the minutes the steps allow
    assert elapsed < 5 * (1.5 + EXPRESSION_TIME_FLOOR)


def test_feel_alone_has_no_clock_unless_asked() -> None:
    assert feel.evaluate("count(for i in 1..1000 return i)", {}) == 1000
    with pytest.raises(feel.FeelEvaluationError, match="time limit"):
        feel.evaluate(SLOW, {}, time_limit=0.2)


def test_a_form_stops_an_expression_that_would_hold_the_request() -> None:
    started = time.perf_counter()
    with pytest.raises(feel.FeelEvaluationError, match="time limit"):
        _feel(SLOW, {})
    assert time.perf_counter() - started < 5 * FEEL_TIME_LIMIT  # not minutes
