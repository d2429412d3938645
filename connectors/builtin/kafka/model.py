"""The input of every version (1-7) of Camunda's Kafka producer template, as the job's variables
carry it (Camunda's KafkaConnectorRequest, io.camunda.connector.kafka.outbound.model)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from connectorhub_sdk.types import FeelMap, FeelText, FeelTextMap, Text, feel_object
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _feel_only(value: Any) -> Any:
    """Camunda's `Object` key and value: a FEEL result as it is, text as text (not parsed)."""
    if isinstance(value, str) and value.strip().startswith("="):
        return feel_object(value)
    return value


def _json_text(value: Any) -> Any:
    """An `@FEEL String` that may hold an object (a schema written as a FEEL context): Camunda's
    FeelDeserializer writes an object given for a String as its JSON text."""
    value = _feel_only(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return value


Loose = Annotated[Any, BeforeValidator(_feel_only)]
SchemaText = Annotated[str | None, BeforeValidator(_json_text)]


class Authentication(BaseModel):
    """SASL user name and password (both or neither), Camunda's KafkaAuthentication."""

    model_config = ConfigDict(extra="ignore")
    username: Text | None = None
    password: Text | None = None


class Topic(BaseModel):
    model_config = ConfigDict(extra="ignore")
    bootstrapServers: FeelText | None = None
    topicName: Text | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    key: Loose = None
    value: Loose = None


class SchemaStrategy(BaseModel):
    """Camunda's OutboundSchemaStrategy: `noSchema`, `inlineSchema` (Avro) or `schemaRegistry`
    (Avro or JSON schema, Confluent's wire format)."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["noSchema", "inlineSchema", "schemaRegistry"] = "noSchema"
    schema_: SchemaText = Field(default=None, alias="schema")
    schemaType: Literal["avro", "json"] = "avro"
    schemaRegistryUrl: FeelText | None = None


class LegacyAvro(BaseModel):
    """Template v4's `avro.schema` (with `serializationType: avro`), before schema strategies."""

    model_config = ConfigDict(extra="ignore")
    schema_: SchemaText = Field(default=None, alias="schema")


class KafkaInput(BaseModel):
    """The union of the inputs of every version of Camunda's Kafka producer template."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None
    topic: Topic | None = None
    message: Message | None = None
    schemaStrategy: SchemaStrategy | None = None
    headers: FeelTextMap = None
    additionalProperties: FeelMap = None
    # v4 only
    serializationType: Literal["json", "avro"] | None = None
    avro: LegacyAvro | None = None
    # v7: a reusable connection credential {bootstrapServers, username, password}
    kafkaConnectionConfiguration: FeelMap = None
