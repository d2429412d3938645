"""`io.camunda:csv-connector`, Camunda's CSV connector, drop-in for every version of its
template (v0-v3): the `operation` header chooses `readCsv` (CSV text or a document to records)
or `writeCsv` (records to CSV text or a document). docs/csv-connector.md.

Follows `io.camunda.connector.csv.CsvConnector` and `CsvUtils`.
"""

from __future__ import annotations

from typing import Any

from connectorhub_sdk import (
    JSON,
    ConnectorContext,
    ConnectorError,
    ConnectorInputError,
    ConnectorRetryError,
    Exchange,
    connector,
)
from connectorhub_sdk.documents import is_document_reference

from connectors import feel

from .model import CsvFormat, CsvInput
from .parsing import CsvSyntaxError, read_rows, write_csv

OPERATIONS = ("readCsv", "writeCsv")
RECORD_MAPPER = "recordMapper"


@connector(
    type="io.camunda:csv-connector",
    name="CSV Connector",
    input=CsvInput,
    description="Read CSV text or documents into records, or write records as CSV.",
    documentation_ref=(
        "https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/csv/"
    ),
)
def csv_connector(data: CsvInput, context: ConnectorContext) -> JSON:
    """Run the operation the `operation` header names."""
    operation = context.headers.get("operation") or ""
    if operation == "readCsv":
        return read_csv(data, context)
    if operation == "writeCsv":
        return write_csv_result(data, context)
    raise ConnectorInputError(
        f"unknown operation '{operation}'; expected one of {', '.join(OPERATIONS)}",
        field="operation",
    )


# --------------------------------------------------------------------------------------------
# readCsv
# --------------------------------------------------------------------------------------------


def read_csv(data: CsvInput, context: ConnectorContext) -> JSON:
    """`{records: [...]}`: each record a map (rowType Object) or a list (Array), passed
    through the `recordMapper` header if there is one (a null result drops the record)."""
    row_type = data.rowType or "Object"
    delimiter = _delimiter(data.format)
    header = _given_headers(data.format)
    if header is None and row_type == "Object" and not data.format.skipHeaderRecord:
        raise ConnectorInputError(
            "Object records need column names: give headers, or set skipHeaderRecord to take "
            "them from the first line",
            field="format.headers",
        )
    text, source = _csv_input(data, context)
    mapper = _record_mapper(context.headers.get(RECORD_MAPPER))
    try:
        records = _records(text, delimiter, header, data.format.skipHeaderRecord, row_type)
    except CsvSyntaxError as exc:
        _record_exchange(context, source, f"read CSV: malformed at line {exc.line}", error=str(exc))
        raise ConnectorRetryError(f"Failed to read CSV input: {exc}") from None
    mapped = [mapped for record in records if (mapped := mapper(record)) is not None]
    _record_exchange(context, source, f"read {len(records)} record(s) of {len(text)} characters")
    return {"records": mapped}


def _csv_input(data: CsvInput, context: ConnectorContext) -> tuple[str, str]:
    """The CSV text and where it came from: `document` (v3) first, then `data` (text or a
    document reference, v0-v2)."""
    if data.document is not None:
        return _document_text(data.document, "document", context)
    if isinstance(data.data, str):
        return data.data, "inline text"
    if is_document_reference(data.data):
        return _document_text(data.data, "data", context)
    if data.data is None:
        raise ConnectorInputError("no CSV data: give a document or CSV text", field="data")
    raise ConnectorInputError(
        f"must be CSV text or a document, got {type(data.data).__name__}", field="data"
    )


def _document_text(reference: Any, field: str, context: ConnectorContext) -> tuple[str, str]:
    document = context.documents.load(reference, field=field)
    name = document.file_name or "document"
    try:
        return document.content.decode("utf-8"), name  # Camunda reads documents as UTF-8
    except UnicodeDecodeError as exc:
        raise ConnectorRetryError(
            f"Failed to read CSV input: {name} is not UTF-8 text (byte {exc.start})"
        ) from None


def _records(
    text: str, delimiter: str, header: list[str] | None, skip_first: bool, row_type: str
) -> list[Any]:
    rows = read_rows(text, delimiter)
    if header is None:
        first = next(rows, None)  # the header line (Commons CSV's setHeader() with no names)
        header = first[1] if first else []
        _check_header(header)
    elif skip_first:
        next(rows, None)
    if row_type == "Array":
        return [values for _, values in rows]
    return [_as_map(header, values) for _, values in rows]


def _check_header(header: list[str]) -> None:
    if any(not name.strip() for name in header):
        raise CsvSyntaxError(1, "a column name in the header line is empty")


def _as_map(header: list[str], values: list[str]) -> dict[str, str]:
    """CSVRecord.toMap: the named columns the record has (extra values are dropped)."""
    return {name: values[i] for i, name in enumerate(header) if i < len(values)}


def _record_mapper(expression: str | None) -> Any:
    """The `recordMapper` header as a function of one record: a FEEL expression evaluated with
    `record` in its context (Camunda's `Function<Map, Object>` header)."""
    if not expression or not expression.strip():
        return lambda record: record
    text = expression.strip().removeprefix("=")
    try:
        parsed = feel.parse(text)
    except feel.FeelError as exc:
        raise ConnectorInputError(f"is not a FEEL expression: {exc}", field=RECORD_MAPPER) from None

    def apply(record: Any) -> Any:
        try:
            return feel.to_json(feel.evaluate(parsed, {"record": record}))
        except feel.FeelError as exc:
            raise ConnectorError(None, f"recordMapper failed: {exc}") from None

    return apply


# --------------------------------------------------------------------------------------------
# writeCsv
# --------------------------------------------------------------------------------------------


def write_csv_result(data: CsvInput, context: ConnectorContext) -> JSON:
    """`{content: text}` or `{document: reference}`: the `documentReturnFormat` choice (v3),
    else the `createDocument` flag (v0-v2)."""
    text = _render(data)
    _record_exchange(context, "records", f"wrote {len(data.data or [])} record(s) as CSV")
    chosen = data.documentReturnFormat
    if chosen is not None:
        if chosen.choice == "DOCUMENT":
            return {"document": _store(text, context, file_name="result.csv")}
        if chosen.choice == "JSON":
            raise ConnectorError(None, "the JSON response format cannot hold CSV output")
        return {"content": _reencode(text, chosen.encoding)}
    if data.createDocument:
        return {"document": _store(text, context, file_name=None)}
    return {"content": text}


def _render(data: CsvInput) -> str:
    records = data.data
    if not isinstance(records, list):
        raise ConnectorInputError(
            "must be a list of records (lists or objects)"
            + ("" if records is not None else ", got null"),
            field="data",
        )
    header = _given_headers(data.format)
    rows: list[list[Any]] = []
    if header is not None and not data.format.skipHeaderRecord:
        rows.append(list(header))  # CSVPrinter prints the header unless told to skip it
    for index, record in enumerate(records):
        if isinstance(record, list):
            rows.append(record)
        elif isinstance(record, dict):
            if header is None:
                raise ConnectorInputError(
                    "records that are objects need headers: the column order to write",
                    field="format.headers",
                )
            rows.append([record.get(name) for name in header])
        else:
            raise ConnectorInputError(
                f"record {index} is a {type(record).__name__}, not a list or an object",
                field="data",
            )
    return write_csv(rows, _delimiter(data.format))


def _store(text: str, context: ConnectorContext, *, file_name: str | None) -> JSON:
    reference = context.documents.create(
        text.encode("utf-8"), content_type="text/csv", file_name=file_name
    )
    return reference.as_json()


def _reencode(text: str, encoding: str | None) -> str:
    """DocumentReturn's TEXT choice: the UTF-8 bytes read back with ENCODING."""
    name = encoding or "UTF-8"
    try:
        return text.encode("utf-8").decode(name, errors="replace")
    except LookupError:
        raise ConnectorInputError(
            f"unknown character encoding '{name}'", field="documentReturnFormat.encoding"
        ) from None


# --------------------------------------------------------------------------------------------
# Both
# --------------------------------------------------------------------------------------------


def _delimiter(format_: CsvFormat) -> str:
    """Camunda trims the delimiter; null is a comma. One character only (Python's csv)."""
    if format_.delimiter is None:
        return ","
    delimiter = format_.delimiter.strip()
    if len(delimiter) != 1:
        problem = "is empty (after trimming spaces)" if not delimiter else "has several characters"
        raise ConnectorInputError(
            f"{problem}; the delimiter must be one character such as , or ;",
            field="format.delimiter",
        )
    return delimiter


def _given_headers(format_: CsvFormat) -> list[str] | None:
    return format_.headers or None


def _record_exchange(
    context: ConnectorContext, source: str, summary: str, *, error: str | None = None
) -> None:
    context.exchanges.record(
        Exchange(
            protocol="csv",
            target=source,
            summary=summary,
            status=None if error else "ok",
            error=error,
        )
    )
