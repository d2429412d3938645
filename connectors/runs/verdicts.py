"""A test case's verdict on a finished run: the expected outcome, error code and FEEL conditions.

Kept apart from `testcases` (which starts runs through `services`) because `services` asks for
the verdict when it stores a run's outcome: one direction each, no import cycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from connectors import feel
from connectors.models import RunTestCase
from connectors.runs.stored import StoredOutcome


@dataclass(frozen=True)
class Verdict:
    passed: bool
    report: list[dict[str, Any]] = field(default_factory=list)


def check_run(test_case: RunTestCase, record: StoredOutcome) -> Verdict:
    """Check a finished run's stored outcome RECORD against TEST_CASE."""
    report: list[dict[str, Any]] = []
    outcome = record.kind
    error = None if record.error is None else record.error.model_dump()
    if test_case.expected_outcome:
        report.append(
            _line(
                f"outcome is {test_case.expected_outcome}",
                outcome == test_case.expected_outcome,
                f"was {outcome}",
            )
        )
    if test_case.expected_error_code:
        code = (error or {}).get("code")
        report.append(
            _line(
                f"error code is {test_case.expected_error_code}",
                code == test_case.expected_error_code,
                f"was {code!r}",
            )
        )
    context = {
        "response": record.response,
        "variables": record.variables,
        "error": error,
        "outcome": outcome,
    }
    for condition in test_case.conditions:
        report.append(_condition(condition, context))
    return Verdict(all(line["passed"] for line in report), report)


def _condition(condition: str, context: dict[str, Any]) -> dict[str, Any]:
    try:
        value = feel.to_json(feel.evaluate(condition.removeprefix("="), context))
    except feel.FeelError as exc:
        return _line(condition, False, f"cannot be evaluated: {exc}")
    if value is True:
        return _line(condition, True, "")
    return _line(condition, False, f"gave {json.dumps(value, ensure_ascii=False)}")


def _line(check: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"check": check, "passed": passed, "detail": "" if passed else detail}
