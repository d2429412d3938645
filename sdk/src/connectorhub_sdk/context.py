"""What a connector receives besides its input: the context (Camunda's
OutboundConnectorContext) and the address policy its network door connects through."""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from .exchanges import ExchangeRecorder
from .network import Network

if TYPE_CHECKING:
    from .documents import Documents, DocumentStore

JSON: TypeAlias = Any
"""A JSON-serialisable value: dict, list, str, int, float, bool or None (or a pydantic model)."""


@typing.runtime_checkable
class AddressPolicy(typing.Protocol):
    """Which network addresses a connector may connect to (the hub's egress policy).

    `resolve(host, port)` returns the addresses of `host` that may be used, or raises
    EgressDenied naming the rule that refused them. HTTP connectors connect only to the
    addresses it returned, so the name is resolved once. The runtime hands the adapter's policy
    to connectors as `ConnectorContext.address_policy` (None: no address check);
    `ConnectorContext.network` resolves through it.
    """

    def resolve(self, host: str, port: int) -> list[str]: ...


def _no_egress_rule(host: str) -> None:
    return None


def no_redaction(text: str) -> str:
    """The identity: `ConnectorContext.redact` outside a run, where no secret was filled in."""
    return text


@dataclass(frozen=True)
class ConnectorContext:
    """What the runtime hands a connector function besides its validated input.

    - `headers`: the job's custom headers (resultExpression and friends included), read-only;
    - `logger`: its records are captured into the run (secrets masked) and forwarded to the
      worker's log under `connectorhub.connectors.<job type>`;
    - `exchanges`: where connectors record each exchange (`Exchange`, any protocol) for the run
      page;
    - `network`: the network door; every connection goes through it (docs/network.md);
    - `deadline`: the `clock()` value by which the call must end (None: no limit);
      `time_remaining()` says how long is left, for a connector's own network timeouts;
    - `check_egress(host)`: raises EgressDenied if a secret used in the input may not be sent to
      `host` (`name` or `name:port`); HTTP connectors call it before every request and redirect.
    - `address_policy`: the adapter's egress policy (None: none); `network` resolves hosts
      through it and connects only to the addresses it returns.
    - `documents`: create and load documents (`connectorhub_sdk.documents.Documents`) in the
      run's `document_store` (None: this runtime keeps no documents, and using them fails).
    - `redact(text)`: TEXT with the values of the secrets this run uses masked (`***`), for
      what a connector records before it is encoded in a spelling the runtime's masking cannot
      know (HTTP connectors build the URL they record from masked pieces); without a run,
      the text unchanged.
    """

    job_type: str
    headers: Mapping[str, str] = field(default_factory=dict)
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("connectorhub.sdk"))
    exchanges: ExchangeRecorder = field(default_factory=ExchangeRecorder)
    deadline: float | None = None
    clock: Callable[[], float] = field(default=lambda: 0.0, repr=False)
    job_key: int | None = None
    retries: int | None = None
    egress_rule: Callable[[str], None] = field(default=_no_egress_rule, repr=False)
    address_policy: AddressPolicy | None = None
    redact: Callable[[str], str] = field(default=no_redaction, repr=False)
    document_store: DocumentStore | None = field(default=None, repr=False)

    def time_remaining(self) -> float | None:
        """Seconds left before the time limit, never negative; None when there is no limit."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def check_egress(self, host: str) -> None:
        self.egress_rule(host)

    @property
    def network(self) -> Network:
        return Network(self)

    @property
    def documents(self) -> Documents:
        # imported here: documents.py needs errors.py, which needs this module's JSON
        from .documents import Documents

        return Documents(self.document_store, context=self)  # external documents need the door


__all__ = [
    "JSON",
    "AddressPolicy",
    "ConnectorContext",
    "no_redaction",
]
