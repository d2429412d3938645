"""Every version of Camunda's official CSV template (v0-v3), both operations, through
`build_job` and the runtime: reading CSV text and documents into records, writing records as
text and as documents, the record mapping header, and Camunda's errors for malformed CSV."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentReference,
    InMemoryDocumentStore,
)

from connectors.builtin.csv import csv_connector
from connectors.elementtemplates import ElementTemplate, validate_template
from tests.csv.conftest import CSV_TYPE, csv_templates, latest, run_csv

pytestmark = pytest.mark.xdist_group("csv")

ORDERS = 'id;item;total\r\n1;Tea;4.50\r\n2;"Cake; large";12\r\n\r\n'
RECORDS = [
    {"id": "1", "item": "Tea", "total": "4.50"},
    {"id": "2", "item": "Cake; large", "total": "12"},
]
VERSIONS = csv_templates()


def version_id(tpl: ElementTemplate) -> str:
    return f"v{tpl.version}"


def stored(store: InMemoryDocumentStore, text: str, name: str | None = None) -> dict[str, Any]:
    request = DocumentCreationRequest(
        content=text.encode(), content_type="text/csv", file_name=name
    )
    return store.create(request).as_json()


def read_values(
    tpl: ElementTemplate, store: InMemoryDocumentStore, text: str = ORDERS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """readCsv values and process variables for TPL, the CSV given as that version takes it:
    text in `data` (v0-v2) or a document chosen by reference (v3)."""
    values = {"operation": "readCsv", "format.delimiter": ";", "format.skipHeaderRecord": True}
    if (tpl.version or 0) >= 3:
        values |= {"document_documentSource": "camunda", "document_camundaReference": "=orders"}
        return values, {"orders": stored(store, text, "orders.csv")}
    return values | {"data": text}, {}


def result(outcome: Any) -> Any:
    assert outcome.kind == "completed", outcome
    return outcome.variables["result"]


def test_the_corpus_has_every_version() -> None:
    assert [t.version for t in VERSIONS] == [0, 1, 2, 3]
    assert {t.properties[0].value for t in VERSIONS} == {CSV_TYPE}


@pytest.mark.parametrize("tpl", VERSIONS, ids=version_id)
def test_read_csv_gives_records(tpl: ElementTemplate) -> None:
    store = InMemoryDocumentStore()
    values, variables = read_values(tpl, store)
    assert result(run_csv(tpl, values, variables, store)) == {"records": RECORDS}


@pytest.mark.parametrize("tpl", VERSIONS, ids=version_id)
def test_read_csv_as_arrays_with_given_headers(tpl: ElementTemplate) -> None:
    store = InMemoryDocumentStore()
    values, variables = read_values(tpl, store, text="1;Tea\n2;Cake\n")
    values |= {"rowType": "Array", "format.headers": '=["id", "item"]'}
    values["format.skipHeaderRecord"] = False
    assert result(run_csv(tpl, values, variables, store)) == {
        "records": [["1", "Tea"], ["2", "Cake"]]
    }


@pytest.mark.parametrize("tpl", [t for t in VERSIONS if t.version], ids=version_id)
def test_the_record_mapping_maps_and_drops_records(tpl: ElementTemplate) -> None:
    store = InMemoryDocumentStore()
    values, variables = read_values(tpl, store)
    values["recordMapper"] = (
        '=if record.id = "1" then null else {name: record.item, total: number(record.total)}'
    )
    assert result(run_csv(tpl, values, variables, store)) == {
        "records": [{"name": "Cake; large", "total": 12}]
    }


def test_read_csv_from_an_inline_document_of_the_current_template() -> None:
    values = {
        "operation": "readCsv",
        "format.skipHeaderRecord": True,
        "document_documentSource": "inline",
        "document_inline_content": "a,b\n1,2\n",
        "document_inline_fileName": "in.csv",
    }
    assert result(run_csv(latest(), values)) == {"records": [{"a": "1", "b": "2"}]}


@pytest.mark.parametrize("tpl", VERSIONS, ids=version_id)
def test_write_csv_as_text(tpl: ElementTemplate) -> None:
    values = {
        "operation": "writeCsv",
        "data": '=[{"id": 1, "item": "Tea, green", "paid": true}, [2, "Cake", null]]',
        "format.headers": '=["id", "item", "paid"]',
        "format.skipHeaderRecord": False,
    }
    if (tpl.version or 0) >= 3:
        values["documentReturnFormat.choice"] = "TEXT"
    assert result(run_csv(tpl, values)) == {
        "content": 'id,item,paid\r\n1,"Tea, green",true\r\n2,Cake,\r\n'
    }


@pytest.mark.parametrize("tpl", VERSIONS, ids=version_id)
def test_write_csv_as_a_document(tpl: ElementTemplate) -> None:
    store = InMemoryDocumentStore()
    values = {
        "operation": "writeCsv",
        "data": '=[["a", 1], ["b", 2]]',
        "format.delimiter": ";",
        "format.skipHeaderRecord": True,
    }
    if (tpl.version or 0) >= 3:
        values["documentReturnFormat.choice"] = "DOCUMENT"
    else:
        values["createDocument"] = True

    document = result(run_csv(tpl, values, store=store))["document"]

    assert document["metadata"]["contentType"] == "text/csv"
    # the DOCUMENT choice names the file as Camunda's DocumentReturn does; createDocument not
    assert document["metadata"].get("fileName") == ("result.csv" if tpl.version == 3 else None)
    assert store.read(DocumentReference.model_validate(document)) == b"a;1\r\nb;2\r\n"


@pytest.mark.parametrize("tpl", VERSIONS, ids=version_id)
def test_malformed_csv_fails_with_camundas_error_naming_the_line(tpl: ElementTemplate) -> None:
    store = InMemoryDocumentStore()
    values, variables = read_values(tpl, store, text='id;item\n1;Tea\n2;"Cake"x\n')

    outcome = run_csv(tpl, values, variables, store)

    assert outcome.kind == "failed"
    assert outcome.trace.error["type"] == "io.camunda.connector.api.error.ConnectorRetryException"
    assert "Failed to read CSV input: (line 3)" in outcome.message
    assert outcome.retries == 2


def test_an_unclosed_quote_names_the_line_it_opens_on() -> None:
    tpl = VERSIONS[0]
    values, variables = read_values(tpl, InMemoryDocumentStore(), text='a;b\n1;"open\n2;3\n')
    outcome = run_csv(tpl, values, variables)
    assert "(line 2) the file ends inside a quoted value" in outcome.message


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"operation": "writeCsv", "data": '=[{"a": 1}]'}, "format.headers"),
        ({"operation": "writeCsv", "data": '="not a list"'}, "data"),
        ({"operation": "readCsv", "data": "a\n1\n", "format.delimiter": "::"}, "format.delimiter"),
        (
            {"operation": "readCsv", "data": "a\n1\n", "format.skipHeaderRecord": False},
            "format.headers",
        ),
    ],
    ids=["objects-without-headers", "not-a-list", "long-delimiter", "object-rows-without-names"],
)
def test_bad_input_fails_at_once_naming_the_field(values: dict[str, Any], field: str) -> None:
    outcome = run_csv(VERSIONS[1], values)
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith(f"{field}: "), outcome.message


def test_a_document_that_does_not_resolve_fails_with_camundas_error() -> None:
    missing = {"camunda.document.type": "camunda", "storeId": "in-memory", "documentId": "gone"}
    values = {
        "operation": "readCsv",
        "format.skipHeaderRecord": True,
        "document_documentSource": "camunda",
        "document_camundaReference": "=orders",
    }
    outcome = run_csv(latest(), values, {"orders": missing})
    assert outcome.trace.error["type"] == "io.camunda.client.api.command.ProblemException"
    assert "document 'gone' in store 'in-memory' not found" in outcome.message


def test_the_generated_template_is_valid() -> None:
    generated = csv_connector.element_template()
    assert validate_template(generated) == []
