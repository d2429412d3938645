"""`$ref` resolution with `referencing` (the jsonschema project's resolver): local pointers and
relative documents, a broken reference or a cycle of references named by where it stands.

A schema that contains itself (a tree node with children of its own type) is no error: readers
follow such a reference lazily and stop where they meet it again (see `examples`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from .errors import ApiDescriptionError, pointer_of

# Bytes of a referenced document for its URI (relative to the description's own), or an error.
Retrieve = Callable[[str], Any]
ROOT_URI = "urn:connectorhub:api-description"
MAX_CHAIN = 64


def _opaque(contents: Any) -> Resource[Any]:
    # OpenAPI documents are not JSON Schemas: no $id or anchors to honour, pointers only
    return Resource.opaque(contents) if not isinstance(contents, Resource) else contents


class Refs:
    """Resolves references of one description (and the documents it refers to)."""

    def __init__(
        self, document: Any, *, base_uri: str = ROOT_URI, retrieve: Retrieve | None = None
    ):
        def fetch(uri: str) -> Resource[Any]:
            if retrieve is None:
                raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
            return _opaque(retrieve(uri))

        registry: Registry[Any] = Registry(retrieve=fetch).with_resource(  # type: ignore[call-arg]
            base_uri, _opaque(document)
        )
        self.base_uri = base_uri
        self.resolver = registry.resolver(base_uri=base_uri)
        self._cache: dict[str, Any] = {}

    def deref(self, node: Any, where: str = "") -> Any:
        """NODE, or what its `$ref` (chain) points to; an error names WHERE the bad ref stands."""
        seen: list[str] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                chain = " -> ".join([*seen, ref])
                raise ApiDescriptionError(f"$ref cycle: {chain}", pointer=where)
            if len(seen) >= MAX_CHAIN:
                raise ApiDescriptionError("$ref chain too long", pointer=where)
            seen.append(ref)
            node = self._lookup(ref, where)
        return node

    def _lookup(self, ref: str, where: str) -> Any:
        if ref in self._cache:
            return self._cache[ref]
        try:
            found = self.resolver.lookup(ref).contents
        except Unresolvable as exc:
            reason = "" if ref.startswith("#") else f" ({type(exc).__name__})"
            raise ApiDescriptionError(
                f"$ref {ref!r} cannot be resolved{reason}", pointer=where
            ) from None
        self._cache[ref] = found
        return found

    def check_all(self, document: Any) -> None:
        """Every `$ref` in DOCUMENT resolves and no chain of them runs in a circle."""
        for where, node in _refs_in(document, []):
            self.deref(node, pointer_of(where))


def _refs_in(node: Any, path: list[Any]) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    stack: list[tuple[Any, list[Any]]] = [(node, path)]
    while stack:
        current, here = stack.pop()
        if isinstance(current, dict):
            if isinstance(current.get("$ref"), str):
                yield here, current
            stack.extend((v, [*here, k]) for k, v in current.items() if isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend(
                (v, [*here, i]) for i, v in enumerate(current) if isinstance(v, dict | list)
            )
