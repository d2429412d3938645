"""The Export page in Chromium: pick connectors, see what would be left out, download a zip."""

import json
import zipfile

import pytest

from connectors.export import TEMPLATES_FOLDER
from connectors.models import TemplateVersion
from tests.conftest import ARTIFACTS
from tests.export.conftest import REST_ID


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pick_connectors_see_problems_and_download(signed_in_page, live_server, rest_catalogue):
    broken = TemplateVersion.objects.filter(entry__template_id=REST_ID).first()
    TemplateVersion.objects.filter(pk=broken.pk).update(content={**broken.content, "name": 7})
    page = signed_in_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Export…").click()
    page.wait_for_url("**/export/")
    assert page.locator("nav.mainnav [aria-current=page]").inner_text() == "Export"

    page.get_by_label("Send REST Request").check()
    page.locator("#export-summary").wait_for()
    assert f"{REST_ID} v{broken.version}" in page.locator("#export-problems").inner_text()
    page.get_by_label("Add the Camunda 7 templates", exact=False).check()
    page.wait_for_function(
        "document.querySelector('#export-summary').innerText.match(/^(\\d+)/)[1] > 2"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-page.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download .zip").click()
    archive = zipfile.ZipFile(download.value.path())
    names = archive.namelist()
    assert f"{TEMPLATES_FOLDER}/{REST_ID}.json" in names
    assert f"{TEMPLATES_FOLDER}/io.connectorhub.camunda7.HttpConnector.json" in names
    # the Camunda 7 worker's external task template of a built-in connector
    assert f"{TEMPLATES_FOLDER}/io.connectorhub.noop.camunda7.json" in names
    assert "EXPORT-PROBLEMS.txt" in names
    rest = json.loads(archive.read(f"{TEMPLATES_FOLDER}/{REST_ID}.json"))
    assert broken.version not in [t.get("version") for t in rest]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_find_connectors_and_tick_or_untick_the_shown_ones(
    signed_in_page, live_server, rest_catalogue
):
    from connectors.catalogue.importing import import_documents
    from connectors.models import ImportSource
    from tests.catalogue.conftest import SMALL_SELECTION, read
    from tests.elementtemplates.corpus import CORPUS_DIR

    import_documents([read(CORPUS_DIR / n) for n in SMALL_SELECTION], source=ImportSource.COMMAND)
    page = signed_in_page
    page.goto(f"{live_server.url}/export/")
    rows = page.locator(".export-list tbody tr")
    total = rows.count()
    assert total >= 5

    page.locator("#export-summary").wait_for()
    everything = page.locator("#export-summary").inner_text()
    page.get_by_label("Find connectors by name or id").fill("graphql")
    assert page.locator(".export-list tbody tr:visible").count() == 1
    assert page.locator("#export-shown").inner_text() == f"1 of {total} shown"
    page.get_by_role("button", name="Tick all shown").click()
    page.wait_for_function(  # the export now holds the ticked connector only
        f"document.querySelector('#export-summary').innerText !== {everything!r}"
    )
    assert page.locator("input[name=id]:checked").count() == 1

    page.get_by_label("Find connectors by name or id").fill("")
    page.get_by_role("button", name="Tick all shown").click()
    assert page.locator("input[name=id]:checked").count() == total
    page.get_by_role("button", name="Untick all").click()
    assert page.locator("input[name=id]:checked").count() == 0
