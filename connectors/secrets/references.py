"""Secret references inside input values, and their replacement at run time.

Two forms, with the exact patterns of Camunda's connector runtime (docs/camunda-compat.md, 1.1):

- `{{secrets.NAME}}`: spaces allowed inside the braces; the name is any run of non-space
  characters up to the first `}}`, trimmed.
- the older bare `secrets.NAME`: letters and digits joined by single `/ . _ -`, ending in a
  letter or digit, with no word boundary (so `mysecrets.X` is a reference to `X`).

Braced references are replaced first, then bare ones in the text around them. One deliberate
difference from Camunda: an inserted value is never scanned again, so a secret whose value
happens to contain `secrets.X` does not pull in a second secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.secrets.errors import SecretNotFoundError
from connectors.secrets.providers import SecretProvider

# re.ASCII: Java's \s and \S are ASCII-only unless asked otherwise.
BRACED_PATTERN = re.compile(r"\{\{\s*secrets\.(?P<secret>\S+?\s*)}}", re.ASCII)
BARE_PATTERN = re.compile(r"secrets\.(?P<secret>([a-zA-Z0-9]+[/._-])*[a-zA-Z0-9]+)", re.ASCII)


@dataclass(frozen=True)
class ResolvedSecrets:
    """A value with its references replaced, and the secrets that were used to do it.

    `used` maps each name to its value; it is left out of repr() so that logging this object
    cannot leak a secret.
    """

    value: Any
    used: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.used)


def json_escape(value: str) -> str:
    """VALUE as it reads between the quotes of a JSON string (what Jackson's quoteAsString gives:
    `"`, `\\` and control characters escaped; `/` and non-ASCII left alone)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def resolve_references(value: Any, provider: SecretProvider) -> ResolvedSecrets:
    """Replace every reference inside VALUE (dicts, lists and strings, keys included).

    Raises SecretNotFoundError for the first name no provider has; the message names the
    secret, never a value. Each name is looked up once per call.
    """
    lookup = _Lookup(provider)
    resolved = _walk(value, lambda text: _replace_in_text(text, lookup, _identity))
    return ResolvedSecrets(value=resolved, used=dict(lookup.used))


def resolve_references_in_json(text: str, provider: SecretProvider) -> ResolvedSecrets:
    """Replace references inside serialized JSON TEXT, as Camunda does in a job's variables.

    Each value is JSON-escaped as it is inserted, so a value holding quotes, backslashes or
    new lines keeps the document valid and still decodes to the exact value.
    """
    lookup = _Lookup(provider)
    replaced = _replace_in_text(text, lookup, json_escape)
    return ResolvedSecrets(value=replaced, used=dict(lookup.used))


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


class _Lookup:
    """Memoised lookups of one resolution, so a provider is asked at most once per name."""

    def __init__(self, provider: SecretProvider) -> None:
        self.provider = provider
        self.used: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name in self.used:
            return self.used[name]
        value = self.provider.get(name)
        if value is None:
            describe = getattr(self.provider, "describe", None)
            raise SecretNotFoundError(name, describe(name) if callable(describe) else "")
        self.used[name] = value
        return value


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


def _replace_in_text(text: str, lookup: Callable[[str], str], escape: Callable[[str], str]) -> str:
    if "secrets." not in text:  # the common case, and both patterns need it
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
    """A copy of VALUE with REPLACE applied to every string that may hold a reference.

    Every run's variables pass through here, so the common JSON types are handled inline and
    a string without `secrets.` (which both patterns need) is kept without a call.
    """
    kind = type(value)
    if kind is str:
        return replace(value) if "secrets." in value else value
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is str:
                if "secrets." in key:
                    key = replace(key)
            elif isinstance(key, str):
                key = replace(key)
            item_kind = type(item)
            if item_kind is str:
                if "secrets." in item:
                    item = replace(item)
            elif item_kind not in _PLAIN_LEAVES:
                item = _walk(item, replace)
            copied[key] = item
        return copied
    if kind is list:
        return [item if type(item) in _PLAIN_LEAVES else _walk(item, replace) for item in value]
    if kind in _PLAIN_LEAVES:
        return value
    return _walk_other(value, replace)


# leaves that hold no text: kept as they are
_PLAIN_LEAVES = frozenset({int, float, bool, type(None)})


def _walk_other(value: Any, replace: Callable[[str], str]) -> Any:
    """_walk for subclasses of str, dict and list, and for tuples."""
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
