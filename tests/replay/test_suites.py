"""Suites as files: a connector's configurations, test cases and recordings exported to one
folder, readable (sorted keys, a file per case, JSON bodies as JSON), without secret values;
imported into an empty hub they pass there, offline; an import never overwrites silently."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from connectors.models import CatalogueEntry, Run, SavedConfiguration
from connectors.runs.recordings import pin_recording
from connectors.runs.suites import SuiteError, export_suite, import_suites
from connectors.secrets.services import secret_create
from tests.builtin.conftest import REST_ID
from tests.replay.conftest import rest_values, run_case, save_case
from tests.services.http_servers import RecordingServer

pytestmark = pytest.mark.django_db

TOKEN = "tok-s3cret-value"


@pytest.fixture
def exported(rest: Any, api: RecordingServer, loopback: None, user: Any, tmp_path: Path) -> Path:
    secret_create(name="API_TOKEN", value=TOKEN, allowed_hosts=["127.0.0.1"])
    bearer = {"authentication.type": "bearer", "authentication.token": "{{secrets.API_TOKEN}}"}
    values = rest_values(rest, api.url, **bearer)
    case = save_case(user, rest, values, name="list items",
                     conditions=['variables.items = ["a", "b"]'])  # fmt: skip
    live = run_case(case, user, offline=False)
    assert live.test_passed and api.last("/items").header("Authorization") == f"Bearer {TOKEN}"
    pin_recording(test_case=case, run=live)
    api.stop()
    return export_suite(template_id=REST_ID, owner=user, folder=tmp_path / "suites")


def test_the_export_is_one_readable_file_per_case(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == [
        "list-items.json", "list-items.recording.json", "template.json",
    ]  # fmt: skip
    text = (exported / "list-items.json").read_text()
    case = json.loads(text)
    assert text == json.dumps(case, indent=2, sort_keys=True) + "\n"
    assert case["expect"] == {
        "conditions": ['variables.items = ["a", "b"]'], "error_code": "", "outcome": "completed",
    }  # fmt: skip
    recording = json.loads((exported / "list-items.recording.json").read_text())
    [exchange] = recording["exchanges"]
    assert exchange["response"]["body_json"] == {"items": ["a", "b"], "page": "1"}
    assert [t["version"] for t in json.loads((exported / "template.json").read_text())] == [18]
    assert exchange["request"]["headers"]["Authorization"] == "Bearer ***"
    assert "{{secrets.API_TOKEN}}" in text
    assert not [p for p in exported.iterdir() if TOKEN in p.read_text()]


def test_an_exported_suite_passes_in_an_empty_hub(exported: Path, other_user: Any) -> None:
    Run.objects.all().delete()
    SavedConfiguration.objects.all().delete()
    CatalogueEntry.objects.all().delete()

    report = import_suites(path=exported.parent, owner=other_user)
    [case] = report.test_cases
    run = run_case(case, other_user, offline=True)

    assert report.created == ["list items"]
    assert run.test_passed, run.error_message or run.test_report


def test_an_import_names_conflicts_and_overwrites_only_when_forced(
    exported: Path, user: Any
) -> None:
    file = exported / "list-items.json"
    case = json.loads(file.read_text())
    case["expect"]["conditions"] = ["variables.items = []"]
    file.write_text(json.dumps(case))

    with pytest.raises(SuiteError, match="list items"):
        import_suites(path=exported, owner=user)
    test_case = SavedConfiguration.objects.get(owner=user, name="list items").test_case
    assert test_case.conditions == ['variables.items = ["a", "b"]']  # untouched

    report = import_suites(path=exported, owner=user, force=True)
    test_case.refresh_from_db()
    assert report.updated == ["list items"] and test_case.conditions == ["variables.items = []"]


def test_a_bad_file_is_named(exported: Path, user: Any) -> None:
    recording = exported / "list-items.recording.json"
    data = json.loads(recording.read_text())
    data["exchanges"][0]["response"]["status"] = 1000
    recording.write_text(json.dumps(data))

    with pytest.raises(SuiteError, match=r"list-items.recording.json: exchanges\[0\]"
                       r".response.status: must be an HTTP status"):  # fmt: skip
        import_suites(path=exported, owner=user)


def test_a_checkout_runs_with_a_throwaway_database(exported: Path, tmp_path: Path) -> None:
    """What CI does with a checkout of the suites: a fresh data folder, migrate, run."""
    env = {**os.environ, "CONNECTORHUB_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    junit = tmp_path / "junit.xml"

    done = subprocess.run(
        [*manage, "test_connectors", str(exported.parent), "--junit", str(junit)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 test cases: 1 passed" in done.stdout
    assert 'tests="1" failures="0" errors="0"' in junit.read_text()
    usage = subprocess.run([*manage, "test_connectors", "--no-such-option"], env=env,
                           capture_output=True, timeout=300)  # fmt: skip
    assert usage.returncode == 2


def test_the_suite_command_exports_and_refuses_to_overwrite(
    exported: Path, user: Any, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("connector_suite", "export", REST_ID, "--owner", user.username,
                 "--to", str(tmp_path / "again"), stdout=out)  # fmt: skip
    folder = tmp_path / "again" / REST_ID
    assert (folder / "list-items.json").read_text() == (exported / "list-items.json").read_text()
    case = json.loads((folder / "list-items.json").read_text())
    case["variables"] = {"changed": True}
    (folder / "list-items.json").write_text(json.dumps(case))

    with pytest.raises(CommandError, match="list items") as refused:
        call_command("connector_suite", "import", str(folder), "--owner", user.username)
    assert refused.value.returncode == 2
    call_command("connector_suite", "import", str(folder), "--owner", user.username, "--force",
                 stdout=out)  # fmt: skip
    assert SavedConfiguration.objects.get(name="list items").variables == {"changed": True}


def test_a_credential_typed_in_plain_text_is_masked_in_every_file(
    rest: Any, api: RecordingServer, loopback: None, user: Any, tmp_path: Path, client: Any
) -> None:
    literal = "typed-api-key-123"
    key = {"authentication.type": "apiKey", "authentication.apiKeyLocation": "query",
           "authentication.name": "key", "authentication.value": literal}  # fmt: skip
    case = save_case(user, rest, rest_values(rest, api.url, **key), name="typed")
    live = run_case(case, user, offline=False)
    assert dict(api.last("/items").query)["key"] == literal
    pin_recording(test_case=case, run=live)

    folder = export_suite(template_id=REST_ID, owner=user, folder=tmp_path)

    assert [p.name for p in folder.iterdir() if literal in p.read_text()] == []
    recording = json.loads((folder / "typed.recording.json").read_text())
    assert "key=***" in recording["exchanges"][0]["request"]["url"]
    client.force_login(user)
    page = client.get(f"/configurations/{case.configuration_id}/recording/").content.decode()
    assert literal not in page and "key=***" in page
