"""Reading API requests: the one JSON body parser (bounded in size and depth) and query values.

DRF's own JSONParser lets `json.load` recurse as deep as the body nests, so a 10,000-deep array
ends in a RecursionError (a 500) either in the decoder or later in a serializer that walks the
data. Here the body is read with a size bound, decoded without ever raising anything but
`ParseError`, and checked with the same shape guard that template loading uses.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from connectors.catalogue.addresses import UNVERSIONED, parse_version
from connectors.elementtemplates.loading import MAX_DEPTH, json_shape_problem

T = TypeVar("T")


def max_body_bytes() -> int:
    """The largest JSON body the API reads; the same bound Django puts on form uploads."""
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 10 * 1024 * 1024)


class BoundedJSONParser(BaseParser):
    """Parses a JSON body of at most `max_body_bytes()` nested at most MAX_DEPTH levels."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> object:
        limit = max_body_bytes()
        # One byte more than allowed tells a body at the limit from one beyond it.
        raw: bytes = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(
                f"JSON parse error: the body is larger than {limit} bytes, the most the API accepts"
            )
        text = _decode(raw, _encoding(parser_context))
        data = _loads(text)
        problem = json_shape_problem(data)
        if problem:
            raise ParseError(f"JSON parse error: {problem.replace('the document', 'the body')}")
        return data


def _encoding(parser_context: Any) -> str:
    request = (parser_context or {}).get("request")
    return str(getattr(request, "encoding", None) or settings.DEFAULT_CHARSET)


def _decode(raw: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ParseError(f"JSON parse error: unknown charset {encoding!r}") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"JSON parse error: not {encoding} text (bad byte at offset {exc.start})"
        ) from None


def _reject_constant(name: str) -> object:
    raise ParseError(f"JSON parse error: {name} is not valid JSON (numbers must be finite)")


def _loads(text: str) -> object:
    if not text.strip():
        raise ParseError("JSON parse error: the body is empty")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"JSON parse error: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        # The C decoder gives up far beyond MAX_DEPTH; say the limit the body broke.
        raise ParseError(
            f"JSON parse error: the body is nested more than {MAX_DEPTH} levels deep"
        ) from None
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        raise ParseError(f"JSON parse error: not valid JSON: {exc}") from None


def query_choice(params: Mapping[str, str], name: str, choices: Mapping[str, T], default: T) -> T:
    """The value of query parameter NAME among CHOICES (case-insensitive), DEFAULT when absent.

    Anything else is a 400 naming the parameter and the values it takes, rather than a filter
    silently ignored (a typo would otherwise return everything).
    """
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return choices[raw.lower()]
    except KeyError:
        allowed = ", ".join(choices)
        raise ValidationError({name: [f"must be one of {allowed}; got {raw!r}"]}) from None


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string", "enum": [UNVERSIONED]}], "nullable": True}
)
class VersionField(serializers.Field):
    """A version number, "unversioned" (a template without a `version`), or null."""

    default_error_messages = {
        "invalid": f'must be a version number such as 3, "{UNVERSIONED}", or null (the default)'
    }

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        try:
            return parse_version(str(data))
        except ValueError:
            self.fail("invalid")
            raise  # fail() raises; this line is for the type checker

    def to_representation(self, value: Any) -> Any:
        return value
