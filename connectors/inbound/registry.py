"""The inbound connectors the runtime knows, by `inbound.type`.

From the modules in `connectors.builtin.INBOUND_MODULES` and in the setting
CONNECTORHUB_INBOUND_MODULES (extra modules: plugins, a test's own connectors), each scanned for
`InboundConnector` values at its top level; and from `register(connector)` (a test declares
one and takes it back with `unregister`). A module that fails to import is reported in
`problems` and logged; it never stops the hub.
"""

from __future__ import annotations

import importlib
import logging
import threading
import types

from connectorhub_sdk.inbound import InboundConnector
from django.conf import settings

from connectors.builtin import INBOUND_MODULES

logger = logging.getLogger(__name__)


class UnknownInboundType(LookupError):
    def __init__(self, inbound_type: str) -> None:
        self.inbound_type = inbound_type
        super().__init__(f"No inbound connector is registered for inbound.type '{inbound_type}'")


class InboundRegistry:
    def __init__(self) -> None:
        self._connectors: dict[str, InboundConnector] = {}
        self._lock = threading.Lock()
        self.problems: list[str] = []

    def register(self, connector: InboundConnector) -> InboundConnector:
        with self._lock:
            self._connectors[connector.type] = connector
        return connector

    def unregister(self, inbound_type: str) -> None:
        with self._lock:
            self._connectors.pop(inbound_type, None)

    def get(self, inbound_type: str) -> InboundConnector:
        try:
            return self._connectors[inbound_type]
        except KeyError:
            raise UnknownInboundType(inbound_type) from None

    def all(self) -> list[InboundConnector]:
        return sorted(self._connectors.values(), key=lambda c: c.type)

    def load_module(self, name: str) -> None:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # a broken plugin is reported, the hub goes on
            self.problems.append(f"{name}: {type(exc).__name__}: {exc}")
            logger.warning("inbound module %s failed to import: %s", name, exc)
            return
        for value in _connectors_in(module):
            self.register(value)


def _connectors_in(module: types.ModuleType) -> list[InboundConnector]:
    return [v for v in vars(module).values() if isinstance(v, InboundConnector)]


_default: InboundRegistry | None = None
_default_lock = threading.Lock()


def inbound_registry() -> InboundRegistry:
    """The process's registry, loaded on first use."""
    global _default
    with _default_lock:
        if _default is None:
            registry = InboundRegistry()
            for name in (*INBOUND_MODULES, *settings.CONNECTORHUB_INBOUND_MODULES):
                registry.load_module(name)
            _default = registry
        return _default


def register(connector: InboundConnector) -> InboundConnector:
    return inbound_registry().register(connector)


def unregister(inbound_type: str) -> None:
    inbound_registry().unregister(inbound_type)
