"""What the SQS and SNS connectors share: the message text as Camunda sends it and message
attributes (Camunda's SqsMessageAttribute / SnsMessageAttribute)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.types import feel_object
from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

NotBlank = Annotated[str, StringConstraints(strip_whitespace=False, pattern=r"\S")]


def feel_value(value: Any) -> Any:
    """A field Camunda binds as a Java Object: `=` text is FEEL (Zeebe evaluates it there),
    any other value is kept exactly as given (text is not parsed as JSON)."""
    if isinstance(value, str) and value.strip().startswith("="):
        return feel_object(value)
    return value


FeelValue = Annotated[Any, BeforeValidator(feel_value)]


def feel_attributes(value: Any) -> Any:
    """A FEEL context or its JSON text; blank is none."""
    if isinstance(value, str) and not value.strip():
        return None
    return feel_object(value)


class MessageAttribute(BaseModel):
    """One attribute: a data type (`String`, `Number`, `Binary`, or with a custom suffix such
    as `Number.int`) and its value as text; both spellings Camunda accepts."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    dataType: NotBlank = Field(validation_alias=AliasChoices("dataType", "DataType"))
    stringValue: NotBlank = Field(validation_alias=AliasChoices("stringValue", "StringValue"))


Attributes = Annotated[dict[str, MessageAttribute] | None, BeforeValidator(feel_attributes)]


def native(attributes: dict[str, MessageAttribute] | None) -> dict[str, dict[str, str]]:
    """The attributes as the AWS API takes them (Camunda sends every value as a StringValue)."""
    return {
        name: {"DataType": a.dataType, "StringValue": a.stringValue}
        for name, a in (attributes or {}).items()
    }


def text(value: Any) -> str:
    """The message as Camunda sends it: text as it is, anything else as compact JSON
    (Jackson's writeValueAsString)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def fifo_group(kind: str, group: str | None, field: str) -> str | None:
    """Camunda's hasValidQueueProperties / hasValidTopicProperties: a FIFO destination needs a
    message group id, a standard one takes none."""
    if kind == "fifo" and not (group or "").strip():
        raise ConnectorInputError("must not be empty for a FIFO destination", field=field)
    if kind == "standard" and (group or ""):
        raise ConnectorInputError("must be empty for a standard destination", field=field)
    return group or None
