"""The app's models, one module per area, re-exported here for Django."""

from connectors.catalogue.models import (
    CatalogueEntry,
    ConnectorKind,
    ImportSource,
    TemplateVersion,
)
from connectors.configure.models import SavedConfiguration
from connectors.credentials.models import Credential
from connectors.documents.models import StoredDocument
from connectors.inbound.models import (
    ElementKind,
    ElementState,
    InboundActivity,
    InboundElement,
    InboundProcess,
    InboundSource,
)
from connectors.network.models import EgressAllowEntry, EgressAuditEvent
from connectors.runs.models import Run, RunOutcome, RunSource, RunStatus, RunTestCase
from connectors.secrets.models import RetiredSecretName, Secret, SecretAuditEvent
from connectors.status.models import ZeebeWorkerStatus

__all__ = [
    "CatalogueEntry",
    "ConnectorKind",
    "Credential",
    "EgressAllowEntry",
    "EgressAuditEvent",
    "ElementKind",
    "ElementState",
    "ImportSource",
    "InboundActivity",
    "InboundElement",
    "InboundProcess",
    "InboundSource",
    "RetiredSecretName",
    "Run",
    "RunOutcome",
    "RunSource",
    "RunStatus",
    "RunTestCase",
    "SavedConfiguration",
    "Secret",
    "SecretAuditEvent",
    "StoredDocument",
    "TemplateVersion",
    "ZeebeWorkerStatus",
]
