"""Turning untrusted bytes into template dicts: size, syntax, depth and shape guards.

Everything here fails with a `TemplateLoadError` whose message names the problem and where it is;
nothing raises anything else for any input, so upload views and import commands can show the
message as is.
"""

import json
import math
from collections.abc import Iterator

# A single corpus file is at most ~1 MB; 10 MiB leaves room for big bundles and stops abuse early.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# The deepest corpus template nests 9 levels; anything beyond this is not a template.
MAX_DEPTH = 64
# JSON documents larger than this many templates are rejected (the whole corpus holds 693).
MAX_TEMPLATES_PER_DOCUMENT = 5000


class TemplateLoadError(ValueError):
    """The document cannot be read as one template or an array of templates."""


def load_templates(raw: bytes | str) -> list[dict[str, object]]:
    """Parse one template (a JSON object) or several (a JSON array of objects).

    The result is not validated yet: pass each dict to `validate_template`. Raises
    `TemplateLoadError` for oversized, non-UTF-8, malformed, too deeply nested or wrongly shaped
    documents.
    """
    text = _decode(raw)
    data = _parse(text)
    problem = json_shape_problem(data)
    if problem:
        raise TemplateLoadError(problem)
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise TemplateLoadError(
            f"expected a template (JSON object) or an array of templates, found {json_type(data)}"
        )
    if len(data) > MAX_TEMPLATES_PER_DOCUMENT:
        raise TemplateLoadError(
            f"the array holds {len(data)} templates; at most {MAX_TEMPLATES_PER_DOCUMENT} "
            "are accepted in one document"
        )
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise TemplateLoadError(
                f"item /{index} of the array must be a template (JSON object), "
                f"found {json_type(item)}"
            )
    return data


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages ("an array", "a number", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__} (not JSON)"


def json_shape_problem(data: object, max_depth: int = MAX_DEPTH) -> str | None:
    """Why `data` is not plain, reasonably nested JSON data, or None when it is.

    Walks iteratively, so hostile nesting cannot exhaust the Python stack. The fast pass only
    says whether something is wrong; the slow pass with JSON pointers runs only then.
    """
    if _looks_fine(data, max_depth):
        return None
    for value, depth, pointer in _walk(data, max_depth):
        if depth > max_depth:
            return f"the document is nested more than {max_depth} levels deep (at {pointer})"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{pointer or '/'}: {value} is not a JSON number"
        if isinstance(value, dict) and not all(isinstance(k, str) for k in value):
            return f"{pointer or '/'}: object keys must be strings"
        if not isinstance(value, dict | list | str | int | float | bool | type(None)):
            return f"{pointer or '/'}: {json_type(value)} is not JSON data"
    return None


_SCALARS = frozenset({str, int, bool, type(None)})


def _looks_fine(data: object, max_depth: int) -> bool:
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is dict:
            if depth >= max_depth and value:
                return False
            items = value.values()  # type: ignore[attr-defined]
            if not all(type(k) is str for k in value):  # type: ignore[attr-defined]
                return False
        elif kind is list:
            if depth >= max_depth and value:
                return False
            items = value
        elif kind is float:
            if not math.isfinite(value):  # type: ignore[arg-type]
                return False
            continue
        elif kind in _SCALARS:
            continue
        else:
            return False
        for item in items:
            item_kind = type(item)
            if item_kind is dict or item_kind is list or item_kind is float:
                stack.append((item, depth + 1))
            elif item_kind not in _SCALARS:
                return False
    return True


def _walk(data: object, max_depth: int) -> Iterator[tuple[object, int, str]]:
    stack: list[tuple[object, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, pointer = stack.pop()
        yield value, depth, pointer
        if depth > max_depth:
            continue  # reported by the caller; no need to go deeper
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{pointer}/{_escape(k)}") for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{pointer}/{i}") for i, v in enumerate(value))


def _escape(key: object) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        if len(raw) > MAX_DOCUMENT_BYTES:  # characters; a cheap first bound before encoding
            raise TemplateLoadError(_too_large(len(raw)))
        if len(raw.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
            raise TemplateLoadError(_too_large(len(raw.encode("utf-8", "surrogatepass"))))
        return raw
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TemplateLoadError(f"expected bytes or text, got {type(raw).__name__}")
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise TemplateLoadError(_too_large(len(raw)))
    try:
        return bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateLoadError(
            f"the document is not UTF-8 text (bad byte at offset {exc.start})"
        ) from None


def _too_large(size: int) -> str:
    return (
        f"the document is {size / 1_048_576:.1f} MiB; at most "
        f"{MAX_DOCUMENT_BYTES // 1_048_576} MiB are accepted"
    )


def _reject_constant(name: str) -> object:
    raise TemplateLoadError(f"{name} is not valid JSON (numbers must be finite)")


def _parse(text: str) -> object:
    if not text.strip():
        raise TemplateLoadError("the document is empty")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except TemplateLoadError:
        raise
    except json.JSONDecodeError as exc:
        raise TemplateLoadError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise TemplateLoadError(
            f"the document is nested more than {MAX_DEPTH} levels deep"
        ) from None
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        raise TemplateLoadError(f"not valid JSON: {exc}") from None
