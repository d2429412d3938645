"""Camunda's CSV template from the pinned corpus, and a helper that runs a job built from it
(as the Modeler and Zeebe would: `build_job`) through the runtime core with a document store."""

from __future__ import annotations

from typing import Any

from connectorhub_sdk.documents import DocumentStore, InMemoryDocumentStore

from connectors.elementtemplates import ElementTemplate, build_job
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import templates, values_for

CSV_FILE = "csv-outbound-connector.json"
CSV_ID = "io.camunda.connectors.csv"
CSV_TYPE = "io.camunda:csv-connector"


def csv_templates() -> list[ElementTemplate]:
    return sorted(templates(CSV_FILE), key=lambda t: t.version or 0)


def latest() -> ElementTemplate:
    return csv_templates()[-1]


def run_csv(
    tpl: ElementTemplate,
    values: dict[str, Any],
    variables: dict[str, Any] | None = None,
    store: DocumentStore | None = None,
) -> Outcome:
    job = build_job(tpl, values_for(tpl, {"resultVariable": "result", **values}), variables)
    assert not job.errors, job.errors
    assert job.type == CSV_TYPE
    return run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider({}),
        time_limit=30.0,
        document_store=store if store is not None else InMemoryDocumentStore(),
    )
