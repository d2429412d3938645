"""Postman Collection 2.1 into the neutral `Api` (camunda/connectors'
`PostmanCollectionOutboundTemplateGenerator` reads the same format; facts only).

Folders become tags (and so templates when a collection is large), collection variables
`{{name}}` become defaults, a URL's leading variable or origin becomes the base URL, `:name` path
segments and variables inside the path become path parameters, and authentication is inherited
from the folder or the collection as Postman does."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from .model import Api, Auth, Body, Operation, Parameter, Server, Skipped
from .reading import Description
from .security import NO_AUTH

REST_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
VARIABLE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
LANGUAGES = {
    "json": "application/json",
    "xml": "application/xml",
    "text": "text/plain",
    "html": "text/html",
    "javascript": "text/plain",
}


def read_postman(description: Description) -> Api:
    doc = description.document
    info = doc.get("info") or {}
    variables = _pairs(doc.get("variable"))
    version = info.get("version")
    if isinstance(version, dict):
        version = ".".join(str(version.get(k, 0)) for k in ("major", "minor", "patch"))
    api = Api(
        title=str(info.get("name") or "Postman collection"),
        version=str(version or ""),
        description=_text(info.get("description")),
    )
    origins: Counter[str] = Counter()
    keys: set[str] = set()
    for item, folders, auth in _requests(doc.get("item") or [], [], doc.get("auth")):
        key = _unique(_slug("_".join([*folders, str(item.get("name") or "request")])), keys)
        result = _operation(item, folders, auth, variables, key, origins)
        if isinstance(result, Skipped):
            api.skipped.append(result)
        else:
            api.operations.append(result)
    api.servers = [Server(origin) for origin, _ in origins.most_common()]
    return api


def _requests(items: list[Any], folders: list[str], auth: Any) -> Any:
    for item in items:
        if not isinstance(item, dict):
            continue
        inherited = item.get("auth") or auth
        if "item" in item:  # a folder
            yield from _requests(item["item"], [*folders, str(item.get("name", ""))], inherited)
        elif "request" in item:
            request = item["request"]
            own = request.get("auth") if isinstance(request, dict) else None
            yield item, folders, own or inherited


def _operation(
    item: dict[str, Any],
    folders: list[str],
    auth: Any,
    variables: dict[str, str],
    key: str,
    origins: Counter[str],
) -> Operation | Skipped:
    request = item["request"]
    if isinstance(request, str):
        request = {"url": request, "method": "GET"}
    method = str(request.get("method") or "GET").upper()
    url = request.get("url") or ""
    raw_url = url if isinstance(url, str) else str(url.get("raw", ""))
    if method not in REST_METHODS:
        return Skipped(
            key, method, raw_url, f"{method}: the REST template sends GET, POST, PUT, PATCH, DELETE"
        )
    origin, path, params = _url(url, variables)
    if origin:
        origins[origin] += 1
    mapped = _auth(auth)
    if isinstance(mapped, str):
        return Skipped(key, method, path, mapped)
    headers = [h for h in _list(request.get("header")) if not h.get("disabled")]
    content_type = next(
        (
            str(h.get("value", ""))
            for h in headers
            if str(h.get("key", "")).lower() == "content-type"
        ),
        "",
    )
    named: set[str] = set()
    for header in headers:
        name = str(header.get("key", "")).lower()
        if name in ("content-type", "authorization") or name in named:
            continue
        named.add(name)
        params.append(_param(str(header.get("key")), "header", header, variables))
    body = _body(request.get("body"), content_type, variables) if method != "GET" else None
    if isinstance(body, str):
        return Skipped(key, method, path, body)
    return Operation(
        key=key,
        method=method,
        path=path,
        summary=str(item.get("name") or ""),
        description=_text(request.get("description")),
        parameters=params,
        body=body,
        auth=[mapped],
        tags=[" / ".join(folders)] if folders else [],
    )


def _url(url: Any, variables: dict[str, str]) -> tuple[str, str, list[Parameter]]:
    """The base URL (origin), the path with {placeholders}, and its path and query parameters."""
    if isinstance(url, str):
        raw = url
        query_items: list[dict[str, Any]] = []
        path_variables: dict[str, str] = {}
    else:
        raw = str(url.get("raw", ""))
        query_items = [q for q in _list(url.get("query")) if not q.get("disabled")]
        path_variables = _pairs(url.get("variable"))
    without_query = raw.split("?", 1)[0]
    params: list[Parameter] = []
    origin = ""
    leading = re.match(r"^\{\{\s*([^{}]+?)\s*\}\}", without_query)
    if leading and variables.get(leading.group(1), "").startswith(("http://", "https://")):
        origin = variables[leading.group(1)].rstrip("/")
        rest = without_query[leading.end() :]
    else:
        match = re.match(r"^(https?://[^/]+)(.*)$", without_query)
        origin, rest = (match.group(1), match.group(2)) if match else ("", without_query)
    segments = []
    for segment in rest.split("/"):
        var = re.fullmatch(r":(\w+)", segment) or VARIABLE.fullmatch(segment)
        if var:
            name = var.group(1)
            default = path_variables.get(name, variables.get(name, ""))
            params.append(
                Parameter(
                    name=name,
                    location="path",
                    required=True,
                    schema={"default": default} if default else {},
                )
            )
            segments.append("{" + name + "}")
        else:
            segments.append(segment)
    path = "/".join(segments) or "/"
    if not query_items and "?" in raw:
        query_items = [
            {"key": k, "value": v}
            for k, _, v in (p.partition("=") for p in raw.split("?", 1)[1].split("&") if p)
        ]
    seen = {p.name for p in params}
    for query in query_items:
        if str(query.get("key")) not in seen:  # a repeated key: the first one is the field
            seen.add(str(query.get("key")))
            params.append(_param(str(query.get("key")), "query", query, variables))
    return origin, path if path.startswith("/") else "/" + path, params


def _param(name: str, location: Any, entry: dict[str, Any], variables: dict[str, str]) -> Parameter:
    value = str(entry.get("value") or "")
    resolved = VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    description = _text(entry.get("description"))
    if VARIABLE.search(resolved):  # a variable without a value (often a secret): no default
        description = (description + f" (Postman: {value})").strip()
        resolved = ""
    schema = {"default": resolved} if resolved else {}
    return Parameter(
        name=name, location=location, required=False, description=description, schema=schema
    )


def _body(body: Any, content_type: str, variables: dict[str, str]) -> Body | str | None:
    if not isinstance(body, dict) or body.get("disabled"):
        return None
    mode = body.get("mode")
    if mode == "raw":
        text = str(body.get("raw") or "")
        if not text.strip():
            return None
        language = ((body.get("options") or {}).get("raw") or {}).get("language", "")
        media = content_type.split(";")[0].strip() or LANGUAGES.get(language, "text/plain")
        example: Any = text
        if "json" in media:
            try:
                example = json.loads(VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text))
            except ValueError:
                example = text  # JSON with unquoted {{variables}}: kept as text
        return Body(media_type=media, example=example)
    if mode == "urlencoded":
        fields = [
            _param(str(f.get("key")), "body", f, variables)
            for f in _list(body.get("urlencoded"))
            if not f.get("disabled")
        ]
        return Body(
            media_type="application/x-www-form-urlencoded",
            fields=fields,
            example={f.name: f.schema.get("default", "") for f in fields},
        )
    if mode in ("formdata", "file"):
        return f"a {mode} body (multipart or a file): the REST template sends JSON, form or text"
    if mode == "graphql":
        return "a GraphQL body: use the GraphQL connector"
    return None


def _auth(auth: Any) -> Auth | str:
    if not isinstance(auth, dict):
        return NO_AUTH
    kind = auth.get("type")
    values = _pairs(auth.get(kind)) if isinstance(kind, str) else {}
    if kind in (None, "noauth"):
        return NO_AUTH
    if kind == "basic":
        return Auth("basic", "Basic")
    if kind == "bearer":
        return Auth("bearer", "Bearer token")
    if kind == "apikey":
        location = "query" if values.get("in") == "query" else "headers"
        return Auth("apiKey", "API key", name=values.get("key", ""), location=location)
    if kind == "oauth2":
        if values.get("grant_type") == "client_credentials":
            return Auth(
                "oauth-client-credentials-flow",
                "OAuth 2.0 client credentials",
                token_url=values.get("accessTokenUrl", ""),
                scopes=values.get("scope", ""),
            )
        return Auth("bearer", "Bearer token, an OAuth 2.0 access token")
    return f"Postman authentication {kind!r}: the REST template has none such"


def _pairs(entries: Any) -> dict[str, str]:
    return {
        str(e.get("key")): str(e.get("value") if e.get("value") is not None else "")
        for e in _list(entries)
        if e.get("key") is not None
    }


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("content") or "")
    return str(value or "")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "request"


def _unique(key: str, taken: set[str]) -> str:
    candidate, number = key, 2
    while candidate in taken:
        candidate, number = f"{key}_{number}", number + 1
    taken.add(candidate)
    return candidate
