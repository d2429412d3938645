"""Export fixtures: the real corpus imported through the real catalogue service."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource
from tests.elementtemplates.corpus import CORPUS_DIR, NODE, corpus_files
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401 - for test_zeebe

HERE = Path(__file__).resolve().parent
REST_ID = "io.camunda.connectors.HttpJson.v2"
REST_FILE = CORPUS_DIR / "http-json-connector.json"


def import_files(paths: list[Path]) -> None:
    report = import_documents(
        [(p.name, p.read_bytes()) for p in paths], source=ImportSource.COMMAND
    )
    assert not report.failed, [d.errors[:3] for d in report.failed]


@pytest.fixture
def rest_catalogue(db: Any) -> None:
    import_files([REST_FILE])


@pytest.fixture
def whole_corpus(db: Any) -> None:
    import_files(corpus_files())


def newest_rest_template() -> dict[str, Any]:
    templates = json.loads(REST_FILE.read_text())
    return max((t for t in templates if t["id"] == REST_ID), key=lambda t: t.get("version", 0))


def modeler_verdicts(items: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """validateZeebe / validate (Camunda 7) on every (platform, template), in one node process."""
    payload = [{"platform": platform, "template": template} for platform, template in items]
    done = subprocess.run(
        [NODE, str(HERE / "validate_exported.mjs")],
        input=json.dumps(payload).encode(),
        capture_output=True,
        check=True,
        timeout=240,
    )
    lines = done.stdout.decode().splitlines()
    assert len(lines) == len(items), done.stderr.decode()[-2000:]
    return [json.loads(line) for line in lines]
