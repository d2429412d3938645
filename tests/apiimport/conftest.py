"""Shared helpers of the API-import tests: the pinned real-world corpus (.ci/fetch-api-corpus)
and the small descriptions in data/."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from connectors.apiimport.generating import Options
from connectors.apiimport.services import Preview, api_preview
from connectors.elementtemplates import ElementTemplate
from tests.catalogue.conftest import importer, importer_client  # noqa: F401 (fixtures)
from tests.services import fetched

DATA = Path(__file__).with_name("data")
ORDERS = DATA / "orders.yaml"
ROOT = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = ROOT / ".ci" / "fetch-api-corpus"


def corpus_root() -> Path:
    """node_modules of the pinned corpus; fetched with npm when missing (skips, or fails with
    API_CORPUS_REQUIRED=1, when npm cannot fetch it)."""
    oas = fetched.pinned_version(FETCH_SCRIPT, "OAS_EXAMPLES_VERSION")
    octokit = fetched.pinned_version(FETCH_SCRIPT, "OCTOKIT_OPENAPI_VERSION")
    home = ROOT / ".cache" / "api-corpus" / f"oas-examples-{oas}-octokit-{octokit}"
    if not (home / "done").exists():
        result = subprocess.run([str(FETCH_SCRIPT)], capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            fetched.missing(
                f"the API corpus could not be fetched: {result.stderr[-300:]}",
                "API_CORPUS_REQUIRED",
            )
    return home / "node_modules"


def preview_of(path: Path, **options: Any) -> Preview:
    return api_preview(path.read_bytes(), source_name=path.name, options=Options(**options))


def props_by_id(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in template["properties"] if "id" in p}


def model(template: dict[str, Any]) -> ElementTemplate:
    return ElementTemplate.from_dict(template)


@pytest.fixture
def orders(db: None) -> Preview:
    return preview_of(ORDERS)
