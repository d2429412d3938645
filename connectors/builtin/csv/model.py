"""The input of Camunda's CSV connector: the union of every version of its template (v0-v3).

`io.camunda.connector.csv.model`: `CsvFormat` (delimiter, skipHeaderRecord, headers),
`ReadCsvRequest` (`data`: CSV text or a document, v0-v2; `document`, v3; rowType) and
`WriteCsvRequest` (`data`: a list of records; `createDocument`, v0-v2; the
`documentReturnFormat` choice DOCUMENT or TEXT, v3).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from connectorhub_sdk.types import Flag, Text
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _text_list(value: Any) -> Any:
    """`List<String>` as Jackson reads it: a list of texts; null or an empty text is none."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return [item if isinstance(item, str) else str(item) for item in value]
    return value  # anything else fails validation, naming the field


class CsvFormat(BaseModel):
    """Camunda's CsvFormat."""

    model_config = ConfigDict(extra="ignore")
    delimiter: Text | None = Field(default=",", title="Delimiter")
    skipHeaderRecord: Flag = Field(default=False, title="Skip header record")
    headers: Annotated[list[str] | None, BeforeValidator(_text_list)] = Field(
        default=None, title="Headers"
    )


class DocumentReturnFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    choice: Literal["DOCUMENT", "TEXT", "JSON"] = "TEXT"
    encoding: Text | None = "UTF-8"


def _row_type(value: Any) -> Any:
    return None if value == "" else value


class CsvInput(BaseModel):
    """Every field either operation of any template version sends."""

    model_config = ConfigDict(extra="ignore")
    data: Any = Field(
        default=None, description="readCsv: CSV text or a document; writeCsv: records"
    )
    document: Any = Field(default=None, description="readCsv (v3): the CSV document")
    format: CsvFormat = Field(default_factory=CsvFormat)
    rowType: Annotated[Literal["Object", "Array"] | None, BeforeValidator(_row_type)] = None
    createDocument: Flag = False
    documentReturnFormat: DocumentReturnFormat | None = None
