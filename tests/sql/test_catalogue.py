"""The catalogue marks Camunda's official JDBC template as "runs here" once the built-in SQL
connector registers its job type; the connector's own generated template is valid."""

from __future__ import annotations

import pytest

from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import CatalogueFilters, search_entries
from connectors.elementtemplates import validate_template
from connectors.models import ImportSource
from connectors.registry import default_registry
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.sql.conftest import JDBC_FILE, JDBC_ID

JDBC = "io.camunda:connector-jdbc:1"


def test_the_job_type_is_a_registered_built_in() -> None:
    assert default_registry().source_of(JDBC) == "builtin:connectors.builtin.jdbc"


@pytest.mark.django_db
def test_the_official_template_runs_here() -> None:
    report = import_documents(
        [(JDBC_FILE, (CORPUS_DIR / JDBC_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    assert JDBC_ID in runs_here


def test_the_generated_template_is_valid() -> None:
    template = default_registry().get(JDBC).element_template()
    assert validate_template(template) == []
    assert template["properties"][0]["value"] == JDBC
