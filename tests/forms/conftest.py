"""Forms fixtures: real corpus templates, imported through the catalogue's own service."""

from __future__ import annotations

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


def _import(*template_ids: str) -> None:
    documents = []
    for template_id in template_ids:
        path = CORPUS_DIR / FILES[template_id]
        if not path.exists():
            path = next(p for p in CORPUS_DIR.rglob(FILES[template_id]))
        documents.append((path.name, path.read_bytes()))
    report = import_documents(documents, source=ImportSource.COMMAND)
    assert not report.failed, report.failed


@pytest.fixture
def rest_version(db: Any) -> TemplateVersion:
    """The newest REST connector version, imported with every other version of its file."""
    _import(REST_ID)
    newest = corpus_template(REST_ID)["version"]
    return TemplateVersion.objects.get(entry__template_id=REST_ID, version=newest)


@pytest.fixture
def github_version(db: Any) -> TemplateVersion:
    _import(GITHUB_ID)
    newest = corpus_template(GITHUB_ID)["version"]
    return TemplateVersion.objects.get(entry__template_id=GITHUB_ID, version=newest)
