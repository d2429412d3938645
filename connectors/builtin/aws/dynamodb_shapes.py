"""DynamoDB values and results as Camunda's DynamoDB connector shapes them: plain JSON values to
and from DynamoDB's typed attribute values (AttributeValueConverter), the table description
(TableDescriptionResult) and the v1-shaped item envelopes (AddItemResult, DeleteItemResult,
UpdateItemResult)."""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal
from typing import Any

from connectorhub_sdk import JSON, ConnectorInputError

from .base import sdk_metadata


def to_attribute(value: Any, field: str) -> dict[str, Any]:
    """A plain JSON value as DynamoDB's typed value (bool before number: Python's bool is one)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number_text(value)}
    if isinstance(value, dict):
        return {"M": to_attributes(value, field)}
    if isinstance(value, list):
        return {"L": [to_attribute(item, field) for item in value]}
    raise ConnectorInputError(f"Unsupported DynamoDB item value type: {type(value).__name__}",
                              field=field)  # fmt: skip


def to_attributes(values: Any, field: str) -> dict[str, dict[str, Any]]:
    if not isinstance(values, dict):
        raise ConnectorInputError("must be an object of attribute names and values", field=field)
    return {str(name): to_attribute(value, field) for name, value in values.items()}


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def plain(value: dict[str, Any]) -> Any:
    """DynamoDB's typed value as a plain JSON value (numbers as numbers, sets as lists, binary
    as base64 text, as Jackson writes byte arrays)."""
    kind, content = next(iter(value.items()))
    if kind in ("S", "BOOL"):
        return content
    if kind == "NULL":
        return None
    if kind == "N":
        return _number(content)
    if kind == "B":
        return base64.b64encode(content).decode()
    if kind == "SS":
        return list(content)
    if kind == "NS":
        return [_number(item) for item in content]
    if kind == "BS":
        return [base64.b64encode(item).decode() for item in content]
    if kind == "M":
        return plain_map(content)
    return [plain(item) for item in content]  # L


def plain_map(values: dict[str, Any]) -> dict[str, Any]:
    return {name: plain(value) for name, value in values.items()}


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() and "." not in text else float(text)


def item_result(answer: dict[str, Any], envelope: str) -> JSON:
    """`{item, <envelope>: {sdkResponseMetadata, sdkHttpMetadata, attributes, ...}}`."""
    attributes = answer.get("Attributes")
    item = plain_map(attributes) if attributes else None
    meta = sdk_metadata(answer)
    return {
        "item": item,
        envelope: {
            "sdkResponseMetadata": meta["sdkResponseMetadata"],
            "sdkHttpMetadata": meta["sdkHttpMetadata"],
            "attributes": item,
            "consumedCapacity": None,
            "itemCollectionMetrics": None,
        },
    }


def _date(value: Any) -> str | None:
    """Jackson's default for java.util.Date (timestamps off): ISO-8601 in UTC, milliseconds."""
    if not isinstance(value, datetime.datetime):
        return None
    utc = value.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+00:00"


def _pick(source: dict[str, Any] | None, *names: str, dates: tuple[str, ...] = ()) -> Any:
    """SOURCE's NAMES (AWS's spelling) in Camunda's camelCase order; None when SOURCE is."""
    if source is None:
        return None
    return {
        name[0].lower() + name[1:]: _date(source.get(name)) if name in dates else source.get(name)
        for name in names
    }


def _camel(value: Any) -> Any:
    """Index descriptions, replicas: AWS's names in camelCase, all fields as given."""
    if isinstance(value, dict):
        return {k[0].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return _date(value) if isinstance(value, datetime.datetime) else value


def table_description(table: dict[str, Any]) -> JSON:
    """Camunda's TableDescriptionResult, its 25 fields in its order."""
    t = table
    throughput = t.get("ProvisionedThroughput")
    return {
        "attributeDefinitions": [_pick(a, "AttributeName", "AttributeType")
                                 for a in t.get("AttributeDefinitions", [])] or None,
        "tableName": t.get("TableName"),
        "keySchema": [_pick(k, "AttributeName", "KeyType") for k in t.get("KeySchema", [])]
        or None,
        "tableStatus": t.get("TableStatus"),
        "creationDateTime": _date(t.get("CreationDateTime")),
        "provisionedThroughput": _pick(
            throughput, "LastIncreaseDateTime", "LastDecreaseDateTime", "NumberOfDecreasesToday",
            "ReadCapacityUnits", "WriteCapacityUnits",
            dates=("LastIncreaseDateTime", "LastDecreaseDateTime"),
        ),
        "tableSizeBytes": t.get("TableSizeBytes"),
        "itemCount": t.get("ItemCount"),
        "tableArn": t.get("TableArn"),
        "tableId": t.get("TableId"),
        "billingModeSummary": _pick(
            t.get("BillingModeSummary"), "BillingMode", "LastUpdateToPayPerRequestDateTime",
            dates=("LastUpdateToPayPerRequestDateTime",),
        ),
        "localSecondaryIndexes": _camel(t.get("LocalSecondaryIndexes")),
        "globalSecondaryIndexes": _camel(t.get("GlobalSecondaryIndexes")),
        "streamSpecification": _pick(t.get("StreamSpecification"), "StreamEnabled",
                                     "StreamViewType"),
        "latestStreamLabel": t.get("LatestStreamLabel"),
        "latestStreamArn": t.get("LatestStreamArn"),
        "globalTableVersion": t.get("GlobalTableVersion"),
        "replicas": _camel(t.get("Replicas")),
        "restoreSummary": _pick(
            t.get("RestoreSummary"), "SourceBackupArn", "SourceTableArn", "RestoreDateTime",
            "RestoreInProgress", dates=("RestoreDateTime",),
        ),
        "archivalSummary": _pick(
            t.get("ArchivalSummary"), "ArchivalDateTime", "ArchivalReason", "ArchivalBackupArn",
            dates=("ArchivalDateTime",),
        ),
        "tableClassSummary": _pick(t.get("TableClassSummary"), "TableClass", "LastUpdateDateTime",
                                   dates=("LastUpdateDateTime",)),
        "deletionProtectionEnabled": t.get("DeletionProtectionEnabled"),
        "onDemandThroughput": _pick(t.get("OnDemandThroughput"), "MaxReadRequestUnits",
                                    "MaxWriteRequestUnits"),
        "ssedescription": _sse(t.get("SSEDescription")),
        "warmThroughput": _pick(t.get("WarmThroughput"), "ReadUnitsPerSecond",
                                "WriteUnitsPerSecond", "Status"),
    }  # fmt: skip


def _sse(value: dict[str, Any] | None) -> Any:
    """SSEDescription, whose fields Jackson names in lower case (`ssetype`, `kmsmasterKeyArn`)."""
    if value is None:
        return None
    return {
        "status": value.get("Status"),
        "ssetype": value.get("SSEType"),
        "kmsmasterKeyArn": value.get("KMSMasterKeyArn"),
        "inaccessibleEncryptionDateTime": _date(value.get("InaccessibleEncryptionDateTime")),
    }
