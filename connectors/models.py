"""Every area's models, gathered for Django.

Each area keeps its models beside its services and views (connectors/<area>/models.py); they all
belong to the one app `connectors` (Django finds the app from the module path), so tables and
migrations are those of a single app. Django imports `<app>.models` when the app loads, and a
model is only registered once its module is imported: this module is that import. Other code
may import models from here or from their area's module.
"""

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
