"""Test cases: expectations on a saved configuration, checked by a real worker run, and the
"run all" table with the difference from the previous run."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from connectors.models import Run, RunTestCase, SavedConfiguration
from connectors.runs.stored import StoredError, StoredOutcome
from connectors.runs.testcases import json_diff, save_test_case, table_of_test_cases
from connectors.runs.verdicts import check_run

from .conftest import wait_done, wait_for


def configuration(owner: Any, name: str, values: dict) -> SavedConfiguration:
    return SavedConfiguration.objects.create(
        owner=owner,
        name=name,
        template_id="io.connectorhub.noop",
        template_version=1,
        values=values,
    )


@pytest.mark.django_db
def test_expectations_are_checked_before_saving(user: Any) -> None:
    config = configuration(user, "c", {})
    with pytest.raises(ValidationError) as caught:
        save_test_case(configuration=config, expected_outcome="great", conditions=["a = ", "b"])
    errors = caught.value.message_dict
    assert "expected_outcome" in errors
    assert errors["conditions"][0].startswith("condition 1 (a =): ")
    with pytest.raises(ValidationError) as caught:
        save_test_case(configuration=config, expected_outcome="completed", expected_error_code="E")
    assert "expected_error_code" in caught.value.message_dict
    saved = save_test_case(configuration=config, conditions=["  response.status = 200 ", ""])
    assert saved.conditions == ["response.status = 200"]


@pytest.mark.django_db
def test_check_run_reports_each_expectation(user: Any) -> None:
    # created directly: save_test_case would refuse the unknown function
    case = RunTestCase.objects.create(
        configuration=configuration(user, "c", {}),
        expected_outcome="bpmn_error",
        expected_error_code="404",
        conditions=['error.message = "Not Found"', "response.status = 200", "unknown(1)"],
    )
    record = StoredOutcome(kind="bpmn_error", error=StoredError(code="404", message="Not Found"))
    verdict = check_run(case, record)
    assert not verdict.passed
    assert [line["passed"] for line in verdict.report] == [True, True, True, False, False]
    assert verdict.report[3]["detail"] == "gave false"  # null = 200 is false in FEEL
    assert "cannot be evaluated" in verdict.report[4]["detail"]


def test_json_diff_names_paths() -> None:
    old = {"a": 1, "b": {"c": [1, 2]}, "gone": True}
    new = {"a": 2, "b": {"c": [1, 3]}, "new": "x"}
    assert json_diff(old, new, "variables") == [
        "variables.a: 1 → 2",
        "variables.b.c[1]: 2 → 3",
        "variables.gone: removed",
        'variables.new: added "x"',
    ]
    assert json_diff({"a": 1}, {"a": 1}) == []
    assert json_diff(1, 1.0) == ["(value): 1 → 1.0"]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_run_all_shows_pass_fail_and_what_changed(
    runs_worker: Any, catalogue: dict, signed_in_client: Any, user: Any
) -> None:
    good = configuration(user, "echoes one", {"echo": "=1"})
    bad = configuration(user, "expects two", {"echo": "=1"})
    save_test_case(
        configuration=good, expected_outcome="completed", conditions=["response.echo = 1"]
    )
    save_test_case(configuration=bad, conditions=["response.echo = 2"])
    url = reverse("connector-tests", args=["io.connectorhub.noop"])

    first = signed_in_client.post(url)
    batch = re.search(r"batch=([0-9a-f-]+)", first["Location"]).group(1)
    for run in Run.objects.filter(batch=batch):
        wait_done(run.pk)
    rows = {r.test_case.configuration.name: r for r in table_of_test_cases(
        template_id="io.connectorhub.noop", user=user)}  # fmt: skip
    assert rows["echoes one"].run.test_passed is True
    assert rows["expects two"].run.test_passed is False
    assert rows["echoes one"].change == "new"

    SavedConfiguration.objects.filter(pk=good.pk).update(values={"echo": "=3"})
    second = signed_in_client.post(url)
    batch = re.search(r"batch=([0-9a-f-]+)", second["Location"]).group(1)
    wait_for(lambda: Run.objects.filter(batch=batch, status="done").count() == 2)
    page = signed_in_client.get(second["Location"]).content.decode()
    assert "1 passed" not in page and "0 passed" in page and "2 failed" in page
    assert ">broke<" in page and "response.echo: 1 → 3" in page and "variables" not in page.split(
        "response.echo: 1 → 3")[1].split("</td>")[0]  # fmt: skip
    assert "✗ response.echo = 1" in page and "(gave false)" in page
    # the htmx poll of a finished batch stops polling
    poll = signed_in_client.get(second["Location"], headers={"HX-Request": "true"})
    assert poll.status_code == 286


@pytest.mark.django_db
def test_missing_template_version_gives_a_failed_row(
    catalogue: dict, signed_in_client: Any, user: Any
) -> None:
    config = SavedConfiguration.objects.create(
        owner=user, name="old", template_id="io.connectorhub.noop", template_version=9, values={}
    )
    save_test_case(configuration=config)
    signed_in_client.post(reverse("connector-tests", args=["io.connectorhub.noop"]))
    run = Run.objects.get()
    assert run.outcome == "failed" and "v9 is no longer in the catalogue" in run.error_message
    assert run.test_passed is True  # no expectation on the outcome; the row still shows it


@pytest.mark.django_db
def test_expectations_page_saves_and_is_private(
    signed_in_client: Any, user: Any, other_user: Any
) -> None:
    mine = configuration(user, "mine", {})
    theirs = configuration(other_user, "theirs", {})
    assert signed_in_client.get(reverse("test-case-edit", args=[theirs.pk])).status_code == 404
    url = reverse("test-case-edit", args=[mine.pk])
    bad = signed_in_client.post(url, {"expected_outcome": "", "conditions": "response.status ="})
    assert bad.status_code == 200 and "condition 1 (response.status =)" in bad.content.decode()
    good = signed_in_client.post(
        url, {"expected_outcome": "completed", "conditions": "response.echo = null\n"}
    )
    assert good.status_code == 302
    case = RunTestCase.objects.get(configuration=mine)
    assert case.conditions == ["response.echo = null"] and case.expected_outcome == "completed"
    page = signed_in_client.get(reverse("connector-tests", args=["io.connectorhub.noop"]))
    assert "mine" in page.content.decode() and "theirs" not in page.content.decode()
