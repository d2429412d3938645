"""The document pages in Chromium, wide (1366 px) and narrow (390 px): attach a sample document
on the configure page (its reference lands in the sample variables and the job preview), and
download a run's document from the run page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentMetadata
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.documents.store import document_save
from connectors.models import ImportSource, Run, RunOutcome, RunStatus, TemplateVersion
from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import REST_FILE, REST_ID
from tests.conftest import ARTIFACTS
from tests.elementtemplates.corpus import CORPUS_DIR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("documents"),
    pytest.mark.django_db(transaction=True),
]

WIDTHS = [1366, 390]


@pytest.fixture
def rest_version(db: None) -> Any:
    report = import_documents(
        [(REST_FILE, (CORPUS_DIR / REST_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    versions = TemplateVersion.objects.filter(entry__template_id=REST_ID, version__isnull=False)
    return max(versions, key=lambda v: v.version)


@pytest.mark.parametrize("width", WIDTHS)
def test_attach_a_sample_document_on_the_configure_page(
    signed_in_page: Any, live_server: Any, rest_version: Any, width: int, tmp_path: Any
) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": 900})
    messages: list[str] = []
    # uncaught script errors (not the console's network noise of a busy shared machine)
    page.on("pageerror", lambda error: messages.append(str(error)))
    page.goto(live_server.url + reverse("configure", args=[REST_ID, rest_version.version]))
    page.fill("#id_variables", '{"orderId": 42}')
    sample = tmp_path / "orders.csv"
    sample.write_bytes(b"id;total\n1;9.50\n")

    page.fill("#sample-document-name", "orders")
    page.set_input_files("#sample-document-file", str(sample))
    page.get_by_role("button", name="Attach").click()
    page.locator("#sample-document-status", has_text="Attached orders.csv").wait_for()

    variables = json.loads(page.input_value("#id_variables"))
    assert variables["orderId"] == 42
    assert variables["orders"]["metadata"]["fileName"] == "orders.csv"
    assert variables["orders"]["camunda.document.type"] == "camunda"
    card = page.locator("#sample-documents")
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width  # no sideways scrolling
    # nothing (the sticky side column) covers the Attach button
    assert page.evaluate(
        "(() => { const b = document.querySelector('#sample-document-form button');"
        " const r = b.getBoundingClientRect();"
        " return b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); })()"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"documents-configure-{width}.png"))
    assert messages == []


@pytest.mark.parametrize("width", WIDTHS)
def test_download_a_runs_document_from_the_run_page(
    signed_in_page: Any, live_server: Any, user: Any, width: int
) -> None:
    run = Run.objects.create(
        template_id="t",
        created_by=user,
        secrets_as=user,
        time_limit=5,
        job={"type": "x"},
        status=RunStatus.DONE,
        outcome=RunOutcome.COMPLETED,
        stored_outcome=StoredOutcome(kind="completed").dump(),
    )
    metadata = DocumentMetadata(content_type="text/csv", file_name="result.csv")
    document_save(b"a,b\r\n1,2\r\n", metadata, run_id=run.pk)
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": 900})
    messages: list[str] = []
    # uncaught script errors (not the console's network noise of a busy shared machine)
    page.on("pageerror", lambda error: messages.append(str(error)))
    page.goto(live_server.url + reverse("run-detail", args=[run.pk]))

    section = page.locator("#run-documents")
    assert "result.csv" in section.inner_text()
    with page.expect_download() as download:
        section.get_by_role("link", name="result.csv").click()
    assert download.value.suggested_filename == "result.csv"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == b"a,b\r\n1,2\r\n"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"documents-run-{width}.png"), full_page=True)
    box = section.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width  # no sideways scrolling
    assert messages == []
