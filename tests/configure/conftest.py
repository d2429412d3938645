"""Forms fixtures: real corpus templates, imported through the catalogue's own service."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.elementtemplates import ElementTemplate
from connectors.models import ImportSource, TemplateVersion
from tests.elementtemplates.corpus import CORPUS_DIR, corpus_template

REST_ID = "io.camunda.connectors.HttpJson.v2"
EMAIL_ID = "io.camunda.connectors.email.v1"
GITHUB_ID = "io.camunda.connectors.GitHub.v1"
FILES = {
    REST_ID: "http-json-connector.json",
    EMAIL_ID: "email-outbound-connector.json",
    GITHUB_ID: "github-connector.json",
}


@pytest.fixture(scope="module")
def rest() -> ElementTemplate:
    return ElementTemplate.from_dict(corpus_template(REST_ID))


@pytest.fixture(scope="module")
def email() -> ElementTemplate:
    return ElementTemplate.from_dict(corpus_template(EMAIL_ID))


def import_corpus(*template_ids: str, newest: int = 2, version: int | None = None) -> None:
    """Import the `newest` versions of each template (enough for "a newer version exists"),
    or just `version`; all versions of a file would validate for seconds per test."""
    documents = []
    for template_id in template_ids:
        path = CORPUS_DIR / FILES[template_id]
        data = json.loads(path.read_text(encoding="utf-8"))
        versions = [
            t for t in (data if isinstance(data, list) else [data]) if t["id"] == template_id
        ]
        versions.sort(key=lambda t: t.get("version", 0), reverse=True)
        chosen = [t for t in versions if t.get("version") == version] if version else versions
        documents.append((path.name, json.dumps(chosen[:newest]).encode()))
    report = import_documents(documents, source=ImportSource.COMMAND)
    assert not report.failed, report.failed


@pytest.fixture
def rest_version(db: Any) -> TemplateVersion:
    """The newest REST connector version, imported with every other version of its file."""
    import_corpus(REST_ID)
    newest = corpus_template(REST_ID)["version"]
    return TemplateVersion.objects.get(entry__template_id=REST_ID, version=newest)


@pytest.fixture
def github_version(db: Any) -> TemplateVersion:
    import_corpus(GITHUB_ID)
    newest = corpus_template(GITHUB_ID)["version"]
    return TemplateVersion.objects.get(entry__template_id=GITHUB_ID, version=newest)
