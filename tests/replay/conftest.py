"""Offline replay fixtures: the official REST template in the catalogue, a local API server,
test cases saved as a person saves them, and `run_case`, which runs a test case in this
process (live or offline) through the same services as "Run all test cases"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, Run, RunTestCase, SavedConfiguration, TemplateVersion
from connectors.runs.services import run_execute
from connectors.runs.testcases import save_test_case, start_test_case
from tests.builtin.conftest import REST_FILE, REST_ID
from tests.builtin.test_dry_run import form_values
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.http_servers import RecordingServer, Reply

REST_VERSION = 18
# Camunda's documented error expression: a 404 becomes the BPMN error NOT_FOUND
ERROR_EXPRESSION = (
    '=if error != null and error.code = "404" then bpmnError("NOT_FOUND", "no such item", '
    "{status: error.code}) else null"
)


@pytest.fixture
def rest(db: None) -> TemplateVersion:
    report = import_documents(
        [(REST_FILE, (CORPUS_DIR / REST_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=REST_ID, version=REST_VERSION)


@pytest.fixture
def api() -> Iterator[RecordingServer]:
    """A local API: `/items?page=N` answers the page's items."""
    with RecordingServer() as server:
        server.route(
            "/items",
            lambda request: Reply(
                json={"page": dict(request.query).get("page"), "items": ["a", "b"]},
                headers=[("X-Total", "2")],
            ),
        )
        yield server


@pytest.fixture
def loopback(settings: Any) -> None:
    """The dry-run egress policy admits the local servers (127.0.0.1), as staff would."""
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1"]


def rest_values(
    version: TemplateVersion, url: str, page: str = "1", **extra: Any
) -> dict[str, Any]:
    """Form values of the REST template for `GET URL/items?page=PAGE` (EXTRA by binding)."""
    return form_values(
        version,
        {
            "method": "GET",
            "url": f"{url}/items",
            "queryParameters": f'={{page: "{page}"}}',
            "resultExpression": "={items: response.body.items}",
            "errorExpression": ERROR_EXPRESSION,
            **extra,
        },
    )


def save_case(
    owner: Any,
    version: TemplateVersion,
    values: dict[str, Any],
    *,
    name: str = "items",
    outcome: str = "completed",
    code: str = "",
    conditions: list[str] | None = None,
) -> RunTestCase:
    configuration = SavedConfiguration.objects.create(
        owner=owner,
        name=name,
        template_id=version.entry.template_id,
        template_version=version.version,
        values=values,
        variables={},
    )
    return save_test_case(
        configuration=configuration,
        expected_outcome=outcome,
        expected_error_code=code,
        conditions=conditions or [],
    )


def run_case(test_case: RunTestCase, user: Any, *, offline: bool) -> Run:
    """TEST_CASE run in this process, as a batch of "Run all test cases" runs it."""
    run = start_test_case(test_case, user=user, offline=offline, enqueue=False)
    done = run_execute(run.pk) if run.status != "done" else run
    assert done is not None
    return done
