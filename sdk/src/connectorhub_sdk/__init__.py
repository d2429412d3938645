"""The ConnectorHub SDK: what a Python connector declares, receives, returns and raises.

A connector is one function plus a pydantic input model, declared with `@connector`; the hub's
runtime binds the job's variables to the model, calls the function within its time limit and
applies Camunda's header semantics to what it returns or raises. `connectorhub_sdk.testing`
runs a connector the same way in a test. docs/sdk.md is the author's guide.

This package depends on pydantic and the standard library only.
"""

from connectorhub_sdk.binding import bind_input
from connectorhub_sdk.context import (
    JSON,
    AddressPolicy,
    ConnectorContext,
    no_redaction,
)
from connectorhub_sdk.declaration import ConnectorFunction, OutboundConnector, connector
from connectorhub_sdk.documents import (
    Document,
    DocumentMetadata,
    DocumentNotFound,
    DocumentReference,
    Documents,
    DocumentStore,
    InMemoryDocumentStore,
)
from connectorhub_sdk.errors import (
    ConnectorError,
    ConnectorInputError,
    ConnectorRetryError,
    EgressDenied,
    InputBindingError,
)
from connectorhub_sdk.exchanges import (
    Exchange,
    ExchangeRecorder,
    HttpExchange,
)
from connectorhub_sdk.job_result import AdHocSubProcessResult, ConnectorResponse, ElementActivation
from connectorhub_sdk.network import Network
from connectorhub_sdk.template import TEMPLATE_SCHEMA_URL, generate_element_template, ui

__version__ = "0.1.0"

__all__ = [
    "JSON",
    "TEMPLATE_SCHEMA_URL",
    "AdHocSubProcessResult",
    "AddressPolicy",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorFunction",
    "ConnectorInputError",
    "ConnectorResponse",
    "ConnectorRetryError",
    "Document",
    "DocumentMetadata",
    "DocumentNotFound",
    "DocumentReference",
    "DocumentStore",
    "Documents",
    "EgressDenied",
    "ElementActivation",
    "Exchange",
    "ExchangeRecorder",
    "HttpExchange",
    "InMemoryDocumentStore",
    "InputBindingError",
    "Network",
    "OutboundConnector",
    "bind_input",
    "connector",
    "generate_element_template",
    "no_redaction",
    "ui",
]
