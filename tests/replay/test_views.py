"""The recording pages: a test case's run pinned as its recording, an exchange edited through
its htmx form (a bad value refused naming the field), the test cases page running all offline
with a mode per row and a link to the diff; someone else's test case is a 404."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import (
    CatalogueEntry,
    Run,
    RunOutcome,
    RunTestCase,
    SavedConfiguration,
    TemplateVersion,
)
from tests.builtin.conftest import REST_ID
from tests.replay.conftest import rest_values, run_case, save_case
from tests.services.http_servers import RecordingServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_and_run(
    rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any
) -> tuple[Any, Run]:
    case = save_case(user, rest, rest_values(rest, api.url), outcome=RunOutcome.BPMN_ERROR,
                     code="NOT_FOUND")  # fmt: skip
    return case, run_case(case, user, offline=False)


def test_pin_and_edit_an_exchange(case_and_run: Any, user: Any, client: Client) -> None:
    case, run = case_and_run
    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'id="pin-recording"' in page

    pinned = client.post(reverse("run-pin", args=[run.pk]))
    assert pinned.status_code == 302
    page = client.get(pinned["Location"]).content.decode()
    assert 'id="exchange-0"' in page and "/items?page=1" in page

    url = reverse("test-case-recording-edit", args=[case.configuration_id, 0])
    fields = {"status": "4o4", "headers": "{}", "body": "", "latency_ms": "0", "error": ""}
    refused = client.post(url, fields, HTTP_HX_REQUEST="true").content.decode()
    assert "&#x27;4o4&#x27; is not a number" in refused and 'id="exchange-0"' in refused
    fields["status"] = "404"
    saved = client.post(url, fields, HTTP_HX_REQUEST="true").content.decode()
    assert 'role="status">Saved' in saved
    case.refresh_from_db()
    assert case.recording["exchanges"][0]["response"]["status"] == 404


def test_run_all_offline_from_the_tests_page(case_and_run: Any, user: Any, client: Client) -> None:
    case, run = case_and_run
    client.force_login(user)
    page = client.get(reverse("connector-tests", args=[REST_ID])).content.decode()
    assert 'id="run-all-offline"' in page and 'name="mode" value="offline"' in page

    client.post(reverse("connector-tests", args=[REST_ID]), {"mode": "offline"})

    offline = Run.objects.exclude(pk=run.pk).get()
    assert offline.replay is not None and offline.test_case_id == case.pk


def test_someone_elses_recording_is_a_404(
    case_and_run: Any, other_user: Any, client: Client
) -> None:
    case, run = case_and_run
    client.force_login(other_user)
    assert (
        client.get(reverse("test-case-recording", args=[case.configuration_id])).status_code == 404
    )
    assert client.post(reverse("run-pin", args=[run.pk])).status_code == 404


def test_download_the_suite_as_a_zip(case_and_run: Any, user: Any, client: Client) -> None:
    client.force_login(user)
    answer = client.get(reverse("connector-suite", args=[REST_ID]))

    assert answer["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = sorted(archive.namelist())
        case = json.loads(archive.read(f"{REST_ID}/items.json"))
    assert names == [f"{REST_ID}/items.json", f"{REST_ID}/items.recording.json",
                     f"{REST_ID}/template.json"]  # fmt: skip
    assert case["expect"]["error_code"] == "NOT_FOUND"


def test_someone_elses_suite_is_empty(case_and_run: Any, other_user: Any, client: Client) -> None:
    client.force_login(other_user)
    answer = client.get(reverse("connector-suite", args=[REST_ID]))
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert archive.namelist() == [f"{REST_ID}/template.json"]
        assert json.loads(archive.read(f"{REST_ID}/template.json")) == []


def test_import_a_suite_zip_names_conflicts_unless_overwrite(
    case_and_run: Any, user: Any, client: Client
) -> None:
    client.force_login(user)
    suite = client.get(reverse("connector-suite", args=[REST_ID])).content
    changed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(suite)) as source, zipfile.ZipFile(changed, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith("/items.json"):
                case = json.loads(data)
                case["expect"]["error_code"] = "GONE"
                data = json.dumps(case).encode()
            target.writestr(name, data)
    url = reverse("connector-suite-import", args=[REST_ID])

    def upload(content: bytes, **extra: str) -> str:
        answer = client.post(url, {"suite": io.BytesIO(content), **extra}, follow=True)
        return answer.content.decode()

    refused = upload(changed.getvalue())
    assert "Nothing was imported" in refused and "items" in refused
    assert RunTestCase.objects.get().expected_error_code == "NOT_FOUND"
    done = upload(changed.getvalue(), overwrite="1")
    assert "1 overwritten" in done
    assert RunTestCase.objects.get().expected_error_code == "GONE"

    sneaky = io.BytesIO()
    with zipfile.ZipFile(sneaky, "w") as archive:
        archive.writestr("../outside.json", "{}")
    assert "may hold only &lt;connector&gt;/&lt;file&gt;.json files" in upload(sneaky.getvalue())
    assert not (Path(tempfile.gettempdir()) / "outside.json").exists()


def test_a_suite_import_adds_templates_only_for_who_may_import_them(
    case_and_run: Any, user: Any, client: Client
) -> None:
    client.force_login(user)
    suite = client.get(reverse("connector-suite", args=[REST_ID])).content
    Run.objects.all().delete()
    SavedConfiguration.objects.all().delete()
    CatalogueEntry.objects.all().delete()
    url = reverse("connector-suite-import", args=[REST_ID])

    refused = client.post(url, {"suite": io.BytesIO(suite)}, follow=True).content.decode()

    assert "the catalogue lacks io.camunda.connectors.HttpJson.v2 v18" in refused
    assert not CatalogueEntry.objects.exists() and not SavedConfiguration.objects.exists()
    user.is_staff = True
    user.save()
    client.post(url, {"suite": io.BytesIO(suite)})
    assert CatalogueEntry.objects.filter(template_id=REST_ID).exists()
    assert SavedConfiguration.objects.get(owner=user).name == "items"
