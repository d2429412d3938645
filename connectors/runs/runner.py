"""Running test cases for CI: each in this process (no Celery), offline by default, with a
verdict per case, a pass/fail table and JUnit XML (`manage.py test_connectors`).

A case's run is an ordinary run of the hub (`testcases.start_test_case` + `run_execute`), so
the connector code, the result and error expressions and the verdict are the ones a person
gets from "Run all test cases". Runs of the command use the operator's trust (RunSource
COMMAND), as `manage.py dryrun` does.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from connectors.models import Run, RunSource, RunTestCase
from connectors.runs.services import run_execute
from connectors.runs.testcases import start_test_case

PASSED, FAILED, ERROR = "passed", "failed", "error"


@dataclass(frozen=True)
class CaseResult:
    """One test case's verdict: `passed`, `failed` (an expectation was not met) or `error`
    (the case could not run: no recording, a template version gone)."""

    connector: str
    name: str
    mode: str
    status: str
    message: str
    seconds: float
    run_id: int | None = None


def run_cases(test_cases: Iterable[RunTestCase], *, offline: bool) -> list[CaseResult]:
    """Run each of TEST_CASES (offline: from its recording) and judge it."""
    return [_run_one(test_case, offline) for test_case in test_cases]


def _run_one(test_case: RunTestCase, offline: bool) -> CaseResult:
    started = time.monotonic()
    run = start_test_case(test_case, user=None, offline=offline, enqueue=False,
                          source=RunSource.COMMAND)  # fmt: skip
    if run.status != "done":
        run = run_execute(run.pk) or run
    status, message = _verdict(run)
    return CaseResult(
        connector=test_case.configuration.template_id,
        name=test_case.configuration.name,
        mode="offline" if offline else "live",
        status=status,
        message=message,
        seconds=time.monotonic() - started,
        run_id=run.pk,
    )


def _verdict(run: Run) -> tuple[str, str]:
    if run.test_passed:
        return PASSED, ""
    if run.error_message.startswith("Not started: "):
        return ERROR, run.error_message
    failed = [
        f"{line['check']}: {line['detail']}" if line.get("detail") else str(line["check"])
        for line in run.test_report or []
        if not line.get("passed")
    ]
    if run.error_message:
        failed.append(f"the run ended {run.outcome}: {run.error_message}")
    return FAILED, "; ".join(failed) or "the expectations were not met"


def table(results: list[CaseResult]) -> str:
    """A plain-text table: one line per case, then the counts."""
    rows = [("RESULT", "CONNECTOR", "CASE", "MODE", "DETAIL")]
    for result in results:
        detail = result.message if len(result.message) <= 160 else result.message[:157] + "…"
        rows.append((result.status.upper(), result.connector, result.name, result.mode, detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
             for row in rows]  # fmt: skip
    counts = {s: sum(1 for r in results if r.status == s) for s in (PASSED, FAILED, ERROR)}
    lines.append(
        f"{len(results)} test cases: {counts[PASSED]} passed, {counts[FAILED]} failed, "
        f"{counts[ERROR]} errors"
    )
    return "\n".join(line.rstrip() for line in lines)


def junit_xml(results: list[CaseResult]) -> bytes:
    """RESULTS as JUnit XML (Ant's format, as Jenkins, GitLab and GitHub read it): one
    testsuite per connector, one testcase per case, `failure` or `error` with the reason."""
    suites = ET.Element("testsuites", _counts(results))
    for connector in dict.fromkeys(r.connector for r in results):
        mine = [r for r in results if r.connector == connector]
        suite = ET.SubElement(suites, "testsuite", {"name": connector, **_counts(mine)})
        for result in mine:
            case = ET.SubElement(
                suite,
                "testcase",
                {"classname": connector, "name": f"{result.name} [{result.mode}]",
                 "time": f"{result.seconds:.3f}"},
            )  # fmt: skip
            if result.status != PASSED:
                tag = "failure" if result.status == FAILED else "error"
                problem = ET.SubElement(case, tag, {"message": result.message[:1000]})
                problem.text = result.message + (
                    f"\n(run {result.run_id})" if result.run_id else ""
                )
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)


def _counts(results: list[CaseResult]) -> dict[str, Any]:
    return {
        "tests": str(len(results)),
        "failures": str(sum(1 for r in results if r.status == FAILED)),
        "errors": str(sum(1 for r in results if r.status == ERROR)),
        "time": f"{sum(r.seconds for r in results):.3f}",
    }
