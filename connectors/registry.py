"""The registry of connector runtimes: job type -> OutboundConnector.

Connectors come from two places:
- built-ins: the modules listed in `connectors.builtin.BUILTIN_MODULES`;
- plugins: entry points in the group `connectorhub.connectors` of any installed distribution.
  An entry point may name an OutboundConnector (`pkg.mod:my_connector`), a list of them, or a
  module (every OutboundConnector defined at its top level is taken).

Loading is lazy (on the first `default_registry()` call), and a plugin that fails to import
or declares nothing usable is reported in `Registry.problems` and logged; it never stops the
hub. Duplicate job types: a built-in always wins over a plugin, and among plugins the first
entry point in (distribution, entry point name) order wins; every loser is a problem entry.
"""

from __future__ import annotations

import importlib
import logging
import threading
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from connectorhub_sdk import OutboundConnector

from connectors.builtin import BUILTIN_MODULES

ENTRY_POINT_GROUP = "connectorhub.connectors"
logger = logging.getLogger(__name__)


class UnknownJobType(LookupError):
    """No connector is registered for a job type."""

    def __init__(self, job_type: str) -> None:
        self.job_type = job_type
        super().__init__(f"No connector is registered for job type '{job_type}'")


@dataclass(frozen=True)
class PluginProblem:
    """Why a plugin (or one of its connectors) is not available."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class Registered:
    """A connector and where it came from (`builtin:<module>` or `plugin:<dist>:<entry point>`)."""

    connector: OutboundConnector
    source: str

    @property
    def builtin(self) -> bool:
        return self.source.startswith("builtin:")


class Registry:
    """Connectors by job type, with the problems met while loading them."""

    def __init__(self) -> None:
        self._by_type: dict[str, Registered] = {}
        self.problems: list[PluginProblem] = []

    def register(self, connector: OutboundConnector, source: str) -> None:
        """Add CONNECTOR; on a duplicate job type the rule in the module docstring decides."""
        current = self._by_type.get(connector.type)
        if current is None:
            self._by_type[connector.type] = Registered(connector, source)
            return
        if current.connector is connector:
            return
        challenger = Registered(connector, source)
        if challenger.builtin and current.builtin:
            raise ValueError(
                f"two built-in connectors declare job type '{connector.type}': "
                f"{current.source} and {source}"
            )
        winner, loser = (challenger, current) if challenger.builtin else (current, challenger)
        self._by_type[connector.type] = winner
        self._problem(
            loser.source,
            f"job type '{connector.type}' is already provided by {winner.source}; ignored",
        )

    def get(self, job_type: str) -> OutboundConnector:
        try:
            return self._by_type[job_type].connector
        except KeyError:
            raise UnknownJobType(job_type) from None

    def source_of(self, job_type: str) -> str:
        return self._by_type[job_type].source

    def all(self) -> list[OutboundConnector]:
        """Every connector, sorted by job type."""
        return [self._by_type[key].connector for key in sorted(self._by_type)]

    def __contains__(self, job_type: object) -> bool:
        return job_type in self._by_type

    def __iter__(self) -> Iterator[OutboundConnector]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_type)

    def _problem(self, source: str, message: str) -> None:
        problem = PluginProblem(source, message)
        self.problems.append(problem)
        logger.warning("connector registry: %s", problem)


def connectors_in(obj: Any) -> list[OutboundConnector]:
    """The OutboundConnectors OBJ stands for: itself, the items of a list, or a module's."""
    if isinstance(obj, OutboundConnector):
        return [obj]
    if isinstance(obj, types.ModuleType):
        return [value for value in vars(obj).values() if isinstance(value, OutboundConnector)]
    if isinstance(obj, list | tuple):
        found = [item for item in obj if isinstance(item, OutboundConnector)]
        if len(found) == len(obj):
            return found
    return []


def load_registry(
    *,
    builtin_modules: Iterable[str] | None = None,
    plugins: Iterable[EntryPoint] | None = None,
) -> Registry:
    """Build a registry from the built-in modules and the installed plugins."""
    if builtin_modules is None:
        builtin_modules = BUILTIN_MODULES
    registry = Registry()
    for module_name in builtin_modules:
        # a broken built-in is our bug, so it fails loudly
        module = importlib.import_module(module_name)
        for connector in connectors_in(module):
            registry.register(connector, f"builtin:{module_name}")
    if plugins is None:
        plugins = entry_points(group=ENTRY_POINT_GROUP)
    for entry_point in sorted(plugins, key=_entry_point_order):
        _load_plugin(registry, entry_point)
    return registry


def _entry_point_order(entry_point: EntryPoint) -> tuple[str, str]:
    dist = entry_point.dist.name if entry_point.dist is not None else ""
    return (dist, entry_point.name)


def _load_plugin(registry: Registry, entry_point: EntryPoint) -> None:
    dist = entry_point.dist.name if entry_point.dist is not None else "?"
    source = f"plugin:{dist}:{entry_point.name}"
    try:
        loaded = entry_point.load()
    except Exception as exc:  # any import-time error of third-party code
        registry._problem(source, f"cannot load {entry_point.value}: {type(exc).__name__}: {exc}")
        return
    found = connectors_in(loaded)
    if not found:
        registry._problem(
            source,
            f"{entry_point.value} is not an OutboundConnector, a list of them or a module "
            "defining any",
        )
        return
    for connector in found:
        registry.register(connector, source)


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry, loaded on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load_registry()
    return _default


def reset_default_registry() -> None:
    """Forget the loaded registry (after installing a plugin, and in tests)."""
    global _default
    with _default_lock:
        _default = None


def get(job_type: str) -> OutboundConnector:
    return default_registry().get(job_type)


def all() -> list[OutboundConnector]:
    return default_registry().all()


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginProblem",
    "Registered",
    "Registry",
    "UnknownJobType",
    "all",
    "connectors_in",
    "default_registry",
    "get",
    "load_registry",
    "reset_default_registry",
]
