"""`manage.py test_connectors`: offline by default, a pass/fail table, JUnit XML valid against
the JUnit report schema (junit.xsd: the format's elements and attributes as CI servers read
them), and exit codes 0 (all passed), 1 (a case failed or could not run) and 2 (usage errors)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from connectors.models import RunOutcome, TemplateVersion
from tests.builtin.conftest import REST_ID
from tests.replay.conftest import rest_values, run_case, save_case
from tests.services.http_servers import RecordingServer

pytestmark = pytest.mark.django_db

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit.xsd"))))


def run_command(*args: str) -> tuple[int, str]:
    """The command's exit code (as manage.py would exit) and what it printed."""
    out = io.StringIO()
    try:
        call_command("test_connectors", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def recorded(rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any) -> Any:
    """A passing case and a failing one, both recorded live; then the server is stopped."""
    good = save_case(user, rest, rest_values(rest, api.url), name="good",
                     conditions=['variables.items = ["a", "b"]'])  # fmt: skip
    bad = save_case(user, rest, rest_values(rest, api.url), name="bad",
                    outcome=RunOutcome.BPMN_ERROR)  # fmt: skip
    for case in (good, bad):
        run_case(case, user, offline=False)
    api.stop()
    return good, bad


def test_offline_run_prints_a_table_and_writes_schema_valid_junit(
    recorded: Any, rest: TemplateVersion, user: Any, tmp_path: Path
) -> None:
    save_case(user, rest, rest_values(rest, "http://127.0.0.1:9"), name="never-run")
    junit = tmp_path / "report.xml"

    code, printed = run_command(REST_ID, "--junit", str(junit))

    assert code == 1
    lines = printed.splitlines()
    assert any(line.startswith("PASSED") and " good " in line for line in lines)
    assert any(line.startswith("FAILED") and "outcome is bpmn_error: was completed" in line
               for line in lines)  # fmt: skip
    assert any(line.startswith("ERROR") and "no recording to replay offline" in line
               for line in lines)  # fmt: skip
    assert "3 test cases: 1 passed, 1 failed, 1 errors" in printed
    document = etree.parse(str(junit))
    SCHEMA.assertValid(document)
    suite = document.getroot().find("testsuite")
    assert suite is not None and suite.get("name") == REST_ID
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == ["bad [offline]", "good [offline]", "never-run [offline]"]


def test_the_schema_refuses_what_it_should() -> None:
    """The validator is not a rubber stamp: a testcase without a name is refused."""
    broken = etree.fromstring(b'<testsuites><testsuite name="x" tests="1" failures="0" '
                              b'errors="0"><testcase/></testsuite></testsuites>')  # fmt: skip
    assert not SCHEMA.validate(broken)


def test_exit_codes(recorded: Any, tmp_path: Path) -> None:
    good, bad = recorded
    bad.delete()
    assert run_command(REST_ID)[0] == 0
    assert run_command()[0] == 0  # every test case of the hub

    code, printed = run_command("io.example.NoSuchConnector")
    assert code == 2 and "io.example.NoSuchConnector" in printed
    code, printed = run_command(str(tmp_path))  # a folder without a suite
    assert code == 2 and "no suite here" in printed
    good.delete()
    code, printed = run_command()
    assert code == 2 and "No test case to run" in printed


def test_live_runs_call_the_server(
    rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any
) -> None:
    save_case(user, rest, rest_values(rest, api.url), name="good")

    code, printed = run_command(REST_ID, "--live")

    assert code == 0, printed
    assert "PASSED  " in printed and "live" in printed
    assert api.count("/items") == 1
