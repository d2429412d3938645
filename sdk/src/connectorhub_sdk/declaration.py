"""How a connector is declared: `@connector` turns a function and its pydantic input model into
an OutboundConnector (Camunda's `@OutboundConnector` annotation and OutboundConnectorFunction).

    class EchoInput(BaseModel):
        text: str = Field(description="What to echo")

    @connector(type="acme:echo:1", name="Echo", input=EchoInput)
    def echo(data: EchoInput, context: ConnectorContext) -> JSON:
        return {"text": data.text}
"""

from __future__ import annotations

import builtins
import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from pydantic import BaseModel

from connectorhub_sdk.context import JSON, ConnectorContext
from connectorhub_sdk.template import default_template_id, generate_element_template

ConnectorFunction: TypeAlias = Callable[[Any, ConnectorContext], "JSON | Awaitable[JSON]"]

_JOB_TYPE = re.compile(r"^\S+$")


@dataclass(frozen=True)
class OutboundConnector:
    """An outbound connector: job type, display name, version, input model and function."""

    type: str
    name: str
    input: builtins.type[BaseModel]
    function: ConnectorFunction
    version: int = 1
    description: str = ""
    template_id: str | None = None
    documentation_ref: str | None = None
    icon: str | None = None
    groups: tuple[tuple[str, str], ...] = ()
    # False for a connector that hands its input back (an echo, a no-op): a secret given to it
    # would be shown to whoever ran it, so the hub's dry-runs refuse to resolve one for it.
    accepts_secrets: bool = True

    def __post_init__(self) -> None:
        if not self.type or not _JOB_TYPE.match(self.type):
            raise ValueError(f"connector job type must be non-empty without spaces: {self.type!r}")
        if not (isinstance(self.input, type) and issubclass(self.input, BaseModel)):
            raise TypeError(f"connector {self.type}: input must be a pydantic model class")
        if not callable(self.function):
            raise TypeError(f"connector {self.type}: function must be callable")
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise TypeError(f"connector {self.type}: version must be an int")
        if not isinstance(self.accepts_secrets, bool):
            raise TypeError(f"connector {self.type}: accepts_secrets must be True or False")

    @functools.cached_property
    def is_async(self) -> bool:
        """Whether the function is a coroutine function; asked on every job, answered once
        (the function of a declared connector does not change)."""
        return inspect.iscoroutinefunction(self.function)

    @property
    def fetch_variables(self) -> list[str]:
        """The top-level variables the input model reads (Camunda's `inputVariables`): what a
        Zeebe worker should fetch for this job type."""
        return [info.alias or name for name, info in self.input.model_fields.items()]

    @property
    def element_template_id(self) -> str:
        return self.template_id or default_template_id(self.type)

    def element_template(self) -> dict[str, Any]:
        """A Zeebe element template for this connector, generated from the input model."""
        return generate_element_template(self)


def connector(
    *,
    type: str,
    name: str,
    input: builtins.type[BaseModel],
    version: int = 1,
    description: str = "",
    template_id: str | None = None,
    documentation_ref: str | None = None,
    icon: str | None = None,
    groups: Sequence[tuple[str, str]] = (),
    accepts_secrets: bool = True,
) -> Callable[[ConnectorFunction], OutboundConnector]:
    """Declare a connector function; the decorated name becomes its OutboundConnector."""

    def wrap(function: ConnectorFunction) -> OutboundConnector:
        return OutboundConnector(
            type=type,
            name=name,
            input=input,
            function=function,
            version=version,
            description=description or (inspect.getdoc(function) or "").split("\n\n")[0],
            template_id=template_id,
            documentation_ref=documentation_ref,
            icon=icon,
            groups=tuple(groups),
            accepts_secrets=accepts_secrets,
        )

    return wrap


__all__ = ["ConnectorFunction", "OutboundConnector", "connector"]
