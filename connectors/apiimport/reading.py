"""Reading an API description: JSON or YAML (PyYAML), which kind it is, and whether it is one.

OpenAPI 3.0/3.1 and Swagger 2.0 are checked against their official JSON Schemas (as shipped by
openapi-spec-validator), Postman collections against Postman's v2.1.0 schema (schemas/, from
postmanlabs/schemas, Apache-2.0). Every `$ref` must resolve and no chain of them may circle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from openapi_spec_validator.schemas.utils import get_schema_content

from .errors import ApiDescriptionError, pointer_of
from .refs import ROOT_URI, Refs, Retrieve

MAX_DESCRIPTION_BYTES = 50 * 1024 * 1024
POSTMAN_SCHEMA = Path(__file__).with_name("schemas") / "postman-collection-v2.1.0.json"
# libyaml's loader when PyYAML was built with it: ten times faster on large descriptions
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Kind(StrEnum):
    SWAGGER_2 = "Swagger 2.0"
    OPENAPI_30 = "OpenAPI 3.0"
    OPENAPI_31 = "OpenAPI 3.1"
    POSTMAN_21 = "Postman Collection 2.1"


@dataclass
class Description:
    kind: Kind
    document: dict[str, Any]
    refs: Refs


def parse_document(raw: bytes | str) -> Any:
    """JSON, else YAML (a superset for our purposes); a syntax error names its line."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_DESCRIPTION_BYTES:
            raise ApiDescriptionError(
                f"the description is larger than {MAX_DESCRIPTION_BYTES} bytes"
            )
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ApiDescriptionError(f"the file is not UTF-8 text (byte {exc.start})") from None
    if raw.lstrip().startswith(("{", "[")):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ApiDescriptionError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    try:
        return yaml.load(raw, Loader=_YamlLoader)  # noqa: S506 (a safe loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ApiDescriptionError(f"invalid YAML: {exc.problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ApiDescriptionError(f"invalid YAML: {exc}") from None


def kind_of(document: Any) -> Kind:
    if not isinstance(document, dict):
        raise ApiDescriptionError(
            "not an API description: expected an OpenAPI, Swagger or Postman object"
        )
    if "openapi" in document:
        version = str(document["openapi"])
        if version.startswith("3.0"):
            return Kind.OPENAPI_30
        if version.startswith("3.1"):
            return Kind.OPENAPI_31
        raise ApiDescriptionError(
            f"OpenAPI {version} is not supported (3.0 and 3.1 are)", pointer="/openapi"
        )
    if "swagger" in document:
        if str(document["swagger"]) != "2.0":
            raise ApiDescriptionError(
                f"Swagger {document['swagger']} is not supported (2.0 is)", pointer="/swagger"
            )
        return Kind.SWAGGER_2
    schema = (
        str((document.get("info") or {}).get("schema", ""))
        if isinstance(document.get("info"), dict)
        else ""
    )
    if "/collection/v2.1" in schema:
        return Kind.POSTMAN_21
    if "/collection/v" in schema:
        raise ApiDescriptionError(
            f"this Postman collection format ({schema}) is not supported: export it as "
            "Collection v2.1",
            pointer="/info/schema",
        )
    raise ApiDescriptionError(
        "not an API description: no `openapi`, `swagger` or Postman `info.schema` entry"
    )


def read_description(
    raw: bytes | str, *, base_uri: str = ROOT_URI, retrieve: Retrieve | None = None
) -> Description:
    """The parsed, validated description in RAW; ApiDescriptionError names the first problem."""
    document = parse_document(raw)
    kind = kind_of(document)
    problem = _schema_problem(kind, document)
    if problem is not None:
        raise problem
    refs = Refs(document, base_uri=base_uri, retrieve=retrieve)
    refs.check_all(document)
    return Description(kind, document, refs)


def _schema_problem(kind: Kind, document: dict[str, Any]) -> ApiDescriptionError | None:
    errors = list(_validator(kind).iter_errors(document))
    if not errors:
        return None
    # the deepest error is the most specific one (a oneOf failure also fails its parent)
    error = max(errors, key=lambda e: len(e.instance_path))
    message = str(error.message).splitlines()[0]
    if len(message) > 300:
        message = message[:300] + "…"
    return ApiDescriptionError(
        f"not a valid {kind} document: {message}", pointer=pointer_of(list(error.instance_path))
    )


@cache
def _validator(kind: Kind) -> Any:
    """The official schema of KIND; formats are not checked: a `pattern` the Rust regex engine
    cannot read (JavaScript's brace literals) is still a valid description."""
    if kind == Kind.POSTMAN_21:
        schema = json.loads(POSTMAN_SCHEMA.read_text())
    else:
        version = {Kind.SWAGGER_2: "2.0", Kind.OPENAPI_30: "3.0", Kind.OPENAPI_31: "3.1"}[kind]
        schema = get_schema_content(version)
    return jsonschema_rs.validator_for(schema, validate_formats=False)
