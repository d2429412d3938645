"""The app's models, one module per area, re-exported here for Django."""

from connectors.models.catalogue import (
    CatalogueEntry,
    ConnectorKind,
    ImportSource,
    TemplateVersion,
)
from connectors.models.secrets import Secret, SecretAuditEvent

__all__ = [
    "CatalogueEntry",
    "ConnectorKind",
    "ImportSource",
    "Secret",
    "SecretAuditEvent",
    "TemplateVersion",
]
