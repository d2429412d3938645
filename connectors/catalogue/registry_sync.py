"""Python connectors (built-in and plugins) in the catalogue, through their element templates."""

from __future__ import annotations

from connectors.catalogue.importing import DocumentResult, import_parsed
from connectors.models import ConnectorKind, ImportSource
from connectors.registry import Registry, default_registry


def sync_registry(registry: Registry | None = None) -> list[DocumentResult]:
    """Import the template of every registered connector; unchanged ones stay as they are."""
    registry = registry or default_registry()
    results = []
    for connector in registry.all():
        source = registry.source_of(connector.type)
        kind = ConnectorKind.BUILTIN if source.startswith("builtin:") else ConnectorKind.CUSTOM
        results.append(
            import_parsed(
                source,
                [connector.element_template()],
                source=ImportSource.REGISTRY,
                kind=kind,
            )
        )
    return results
