"""Secret references inside input values, and their replacement.

Two forms, with the exact patterns of Camunda's connector runtime (SecretUtil):

- `{{secrets.NAME}}`: spaces allowed inside the braces; the name is any run of non-space
  characters up to the first `}}`, trimmed.
- the older bare `secrets.NAME`: letters and digits joined by single `/ . _ -`, ending in a
  letter or digit, with no word boundary (so `mysecrets.X` is a reference to `X`).

Braced references are replaced first, then bare ones in the text around them. One deliberate
difference from Camunda: an inserted value is never scanned again, so a secret whose value
happens to contain `secrets.X` does not pull in a second secret.

The hub resolves references with its secret providers (`connectors.secrets`); the SDK's test
helper with a plain dict. Both go through `replace_references` here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

# re.ASCII: Java's \s and \S are ASCII-only unless asked otherwise.
BRACED_PATTERN = re.compile(r"\{\{\s*secrets\.(?P<secret>\S+?\s*)}}", re.ASCII)
BARE_PATTERN = re.compile(r"secrets\.(?P<secret>([a-zA-Z0-9]+[/._-])*[a-zA-Z0-9]+)", re.ASCII)

Lookup = Callable[[str], str]
"""A secret's value by its name; raises (naming the secret, never a value) when unknown."""


def json_escape(value: str) -> str:
    """VALUE as it reads between the quotes of a JSON string (what Jackson's quoteAsString gives:
    `"`, `\\` and control characters escaped; `/` and non-ASCII left alone)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def replace_references(value: Any, lookup: Lookup) -> Any:
    """A copy of VALUE (dicts, lists and strings, keys included) with every reference replaced
    by LOOKUP(name)."""
    return _walk(value, lambda text: _replace_in_text(text, lookup, _identity))


def replace_references_in_json(text: str, lookup: Lookup) -> str:
    """TEXT (serialized JSON) with every reference replaced, as Camunda does in a job's
    variables: each value is JSON-escaped as it is inserted, so a value holding quotes,
    backslashes or new lines keeps the document valid and still decodes to the exact value."""
    return _replace_in_text(text, lookup, json_escape)


def find_references(value: Any) -> set[str]:
    """The names referenced anywhere inside VALUE, without looking any of them up."""
    names: set[str] = set()
    for text in _strings(value):
        names.update(find_references_in_text(text))
    return names


def find_references_in_text(text: str) -> set[str]:
    names: set[str] = set()
    for kind, piece in _tokens(text):
        if kind == "literal":
            names.update(match.group("secret") for match in BARE_PATTERN.finditer(piece))
        else:
            names.add(piece)
    return names


def _identity(text: str) -> str:
    return text


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """Split TEXT into ("literal", text) and ("braced", name) pieces."""
    position = 0
    for match in BRACED_PATTERN.finditer(text):
        yield "literal", text[position : match.start()]
        yield "braced", match.group("secret").strip()
        position = match.end()
    yield "literal", text[position:]


def _replace_in_text(text: str, lookup: Lookup, escape: Callable[[str], str]) -> str:
    if "secrets." not in text:  # both patterns need it
        return text
    parts = []
    for kind, piece in _tokens(text):
        if kind == "braced":
            parts.append(escape(lookup(piece)))
        else:
            parts.append(
                BARE_PATTERN.sub(lambda match: escape(lookup(match.group("secret"))), piece)
            )
    return "".join(parts)


def _walk(value: Any, replace: Callable[[str], str]) -> Any:
    """A copy of VALUE with REPLACE applied to every string (dict keys included)."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, dict):
        return {
            (replace(key) if isinstance(key, str) else key): _walk(item, replace)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_walk(item, replace) for item in value]
    if isinstance(value, tuple):
        return tuple(_walk(item, replace) for item in value)
    return value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield key
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


__all__ = [
    "BARE_PATTERN",
    "BRACED_PATTERN",
    "Lookup",
    "find_references",
    "find_references_in_text",
    "json_escape",
    "replace_references",
    "replace_references_in_json",
]
