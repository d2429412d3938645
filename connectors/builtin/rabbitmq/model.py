"""The input of every version (1-6) of Camunda's RabbitMQ template, as the job's variables carry
it: `authentication`, `routing` and `message` (Camunda's RabbitMqRequest). Every field is
optional here so that a missing one gets the connector's own message naming it (connector.py),
as Camunda's bean validation does."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from connectorhub_sdk import ui
from connectorhub_sdk.types import FeelMap, Text, feel_object
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _feel_only(value: Any) -> Any:
    """Camunda's `message.body` is a plain `Object`: a text that is not FEEL stays exactly as
    written (MessageUtil decides later whether it is JSON), a `=` text is evaluated."""
    if isinstance(value, str) and value.strip().startswith("="):
        return feel_object(value)
    return value


Body = Annotated[Any, BeforeValidator(_feel_only)]


class Authentication(BaseModel):
    """`uri` (amqp(s)://user:password@host:port/vhost) or `credentials` (user name and
    password; host, port and virtual host then come from `routing`)."""

    model_config = ConfigDict(extra="ignore")
    authType: Literal["uri", "credentials"] = Field(default="uri", title="Connection type")
    uri: Text | None = Field(default=None, title="URI", json_schema_extra=ui(secret=True))
    userName: Text | None = Field(default=None, title="Username")
    password: Text | None = Field(default=None, json_schema_extra=ui(secret=True))


class Routing(BaseModel):
    """Camunda's RabbitMqOutboundRouting with FactoryRoutingData unwrapped into it."""

    model_config = ConfigDict(extra="ignore")
    exchange: Text | None = None
    routingKey: Text | None = Field(default=None, title="Routing key")
    virtualHost: Text | None = Field(default=None, title="Virtual host")
    hostName: Text | None = Field(default=None, title="Host name")
    port: Text | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    properties: FeelMap = Field(
        default=None, description="AMQP properties: contentType, headers, deliveryMode, ..."
    )
    body: Body = Field(default=None, description="Data to send: JSON or text")


class RabbitMqInput(BaseModel):
    """The union of the inputs of every version of Camunda's RabbitMQ template."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None
    routing: Routing | None = None
    message: Message | None = None
