"""CSV text to records and records to CSV text, with the rules of Apache Commons CSV's
`CSVFormat.DEFAULT` as Camunda's CsvUtils builds it: comma, double quotes, `\r\n` between
records, empty lines ignored, quotes only where needed; a header either given (`headers`) or
read from the first line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from connectorhub_sdk.javatext import java_text


class CsvSyntaxError(Exception):
    """Malformed CSV; `line` is the 1-based line where the parser stopped."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        super().__init__(f"(line {line}) {problem}")


def read_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows of TEXT with the line each starts on; CsvSyntaxError names the line
    of a malformed one (an unclosed quote, text after a closing quote)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvSyntaxError(line, _problem(str(exc))) from None
        start, line = line, reader.line_num + 1
        if row:  # Commons CSV's DEFAULT ignores empty lines
            yield start, row


def _problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "the file ends inside a quoted value (a closing quote is missing)"
    if "expected after" in message:
        return f"a quoted value is followed by text before the delimiter ({message})"
    return message


def write_csv(rows: list[list[Any]], delimiter: str) -> str:
    """ROWS as CSV text: `\r\n` after every record, null as an empty value, other values as
    Java prints them (`true`, `1.5`, `{a=1}`)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else java_text(value) for value in row])
    return out.getvalue()
