"""The catalogue marks Camunda's official REST, GraphQL and SOAP templates as "runs here" once
the built-in connectors register their job types; their own generated templates are valid."""

from __future__ import annotations

import pytest

from connectors.builtin import BUILTIN_MODULES
from connectors.elementtemplates import validate_template
from connectors.registry import default_registry
from tests.builtin.conftest import GRAPHQL_FILE, GRAPHQL_ID, REST_FILE, REST_ID, SOAP_FILE, SOAP_ID
from tests.elementtemplates.corpus import CORPUS_DIR

JOB_TYPES = ["io.camunda:http-json:1", "io.camunda:connector-graphql:1", "io.camunda:soap:1"]


def test_the_job_types_are_registered_built_ins():
    registry = default_registry()
    for job_type in JOB_TYPES:
        assert registry.source_of(job_type).startswith("builtin:")
    assert "connectors.builtin.http.rest" in BUILTIN_MODULES


@pytest.mark.django_db
def test_the_official_templates_run_here():
    from connectors.catalogue.importing import import_documents
    from connectors.catalogue.selectors import CatalogueFilters, search_entries
    from connectors.models import ImportSource

    files = [REST_FILE, GRAPHQL_FILE, SOAP_FILE, "sendgrid-outbound-connector.json"]
    report = import_documents(
        [(name, (CORPUS_DIR / name).read_bytes()) for name in files], source=ImportSource.COMMAND
    )
    assert not report.failed
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    elsewhere = {e.template_id for e in search_entries(CatalogueFilters(runs_here=False))}
    assert {REST_ID, GRAPHQL_ID, SOAP_ID} <= runs_here
    assert "io.camunda.connectors.SendGrid.v2" in elsewhere


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_generated_templates_are_valid(job_type):
    template = default_registry().get(job_type).element_template()
    assert validate_template(template) == []
    assert template["properties"][0]["value"] == job_type
