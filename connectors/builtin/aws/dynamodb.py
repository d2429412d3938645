"""`io.camunda:aws-dynamodb:1`, Camunda's Amazon DynamoDB connector (outbound): tables (create,
delete, describe, scan with filter and projection expressions and attribute names/values) and
items (add, get, update, delete), with Camunda's result shapes
(AwsDynamoDbServiceConnectorFunction, AwsInputDeserializer, the operations in `operation/`,
`dynamodb_shapes.py`)."""

from __future__ import annotations

import time
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.types import FeelMap, FeelObject, FeelText, FeelTextMap, Flag, OptionalInt
from pydantic import BaseModel, ConfigDict

from . import base, errors
from . import dynamodb_shapes as shapes

WAIT_SECONDS, WAIT_ATTEMPTS = 5.0, 25  # Camunda's table waiters: every 5 s, 25 times


class Operation(BaseModel):
    """The `input` variable of every template version: the operation (`tableOperation` or
    `itemOperation` from v7, `type` before) and the fields of all of them."""

    model_config = ConfigDict(extra="ignore")
    tableOperation: FeelText | None = None
    itemOperation: FeelText | None = None
    type: FeelText | None = None
    tableName: FeelText | None = None
    partitionKey: FeelText | None = None
    partitionKeyRole: FeelText | None = None
    partitionKeyType: FeelText | None = None
    sortKey: FeelText | None = None
    sortKeyRole: FeelText | None = None
    sortKeyType: FeelText | None = None
    readCapacityUnits: OptionalInt = None
    writeCapacityUnits: OptionalInt = None
    billingModeStr: FeelText | None = None
    deletionProtection: Flag = False
    filterExpression: FeelText | None = None
    projectionExpression: FeelText | None = None
    expressionAttributeNames: FeelTextMap = None
    expressionAttributeValues: FeelMap = None
    item: FeelObject = None
    primaryKeyComponents: FeelObject = None
    keyAttributes: FeelObject = None
    attributeAction: FeelText | None = None

    @property
    def name(self) -> str:
        """The operation, read as Camunda's AwsInputDeserializer reads it."""
        return self.tableOperation or self.itemOperation or self.type or ""


class DynamoDbInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's DynamoDB template."""

    input: Operation


@connector(
    type="io.camunda:aws-dynamodb:1",
    name="Amazon DynamoDB Connector",
    input=DynamoDbInput,
    description="Create, describe, scan and delete DynamoDB tables and add, get, update and "
    "delete items; runs Camunda's official DynamoDB templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-dynamodb/",
)
def dynamodb(data: DynamoDbInput, context: ConnectorContext) -> JSON:
    """Run the chosen operation and return Camunda's result for it."""
    op = data.input
    run = OPERATIONS.get(op.name)
    if run is None:
        raise ConnectorInputError(f"Unsupported operation type: '{op.name}'", field="input")
    if not (op.tableName or "").strip():
        raise ConnectorInputError("must not be blank", field="input.tableName")
    return run(base.target(data, "dynamodb", context), op, context)


def _required(op: Operation, *names: str) -> None:
    for name in names:
        value = getattr(op, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ConnectorInputError("must not be blank", field=f"input.{name}")


def create_table(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    _required(op, "partitionKey", "partitionKeyRole", "partitionKeyType", "readCapacityUnits",
              "writeCapacityUnits", "billingModeStr")  # fmt: skip
    keys = [{"AttributeName": op.partitionKey, "KeyType": op.partitionKeyRole}]
    types = [{"AttributeName": op.partitionKey, "AttributeType": op.partitionKeyType}]
    if (op.sortKey or "").strip():
        keys.append({"AttributeName": op.sortKey, "KeyType": op.sortKeyRole})
        types.append({"AttributeName": op.sortKey, "AttributeType": op.sortKeyType})
    params: dict[str, Any] = {
        "TableName": op.tableName,
        "KeySchema": keys,
        "AttributeDefinitions": types,
        "DeletionProtectionEnabled": op.deletionProtection,
        "BillingMode": op.billingModeStr,
    }
    if op.billingModeStr == "PROVISIONED":
        params["ProvisionedThroughput"] = {
            "ReadCapacityUnits": op.readCapacityUnits,
            "WriteCapacityUnits": op.writeCapacityUnits,
        }
    base.call(where, "create_table", params, context, f"table {op.tableName}")
    for attempt in range(WAIT_ATTEMPTS):  # until ACTIVE, as the SDK's waitUntilTableExists
        table = _describe(where, op, context)
        if table.get("TableStatus") == "ACTIVE":
            return shapes.table_description(table)
        if attempt + 1 < WAIT_ATTEMPTS:
            time.sleep(WAIT_SECONDS)
    raise errors.AwsError(
        "java.lang.RuntimeException",
        f"Timed out waiting for table [{op.tableName}] to become ACTIVE",
    )


def delete_table(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    base.call(where, "delete_table", {"TableName": op.tableName}, context, f"table {op.tableName}")
    for attempt in range(WAIT_ATTEMPTS):  # until gone, as waitUntilTableNotExists
        try:
            _describe(where, op, context)
        except errors.AwsError as exc:
            if exc.java_type.endswith(".ResourceNotFoundException"):
                break
            raise
        if attempt + 1 < WAIT_ATTEMPTS:
            time.sleep(WAIT_SECONDS)
    return {"action": f"delete Table [{op.tableName}]", "status": "OK", "response": None}


def describe_table(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    return shapes.table_description(_describe(where, op, context))


def _describe(where: base.Target, op: Operation, context: ConnectorContext) -> dict[str, Any]:
    answer = base.call(where, "describe_table", {"TableName": op.tableName}, context,
                       f"table {op.tableName}")  # fmt: skip
    table: dict[str, Any] = answer["Table"]
    return table


def scan_table(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    """Every matching item, page after page (Camunda's scanPaginator)."""
    params: dict[str, Any] = {"TableName": op.tableName}
    if op.filterExpression:
        params["FilterExpression"] = op.filterExpression
    if op.projectionExpression:
        params["ProjectionExpression"] = op.projectionExpression
    if op.expressionAttributeNames:
        params["ExpressionAttributeNames"] = op.expressionAttributeNames
    if op.expressionAttributeValues:
        params["ExpressionAttributeValues"] = shapes.to_attributes(
            op.expressionAttributeValues, "input.expressionAttributeValues"
        )
    items: list[Any] = []
    while True:
        answer = base.call(where, "scan", params, context, f"table {op.tableName}")
        items.extend(shapes.plain_map(item) for item in answer.get("Items", []))
        if not answer.get("LastEvaluatedKey"):
            break
        params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return {"action": "scanTable", "status": "OK", "response": items or None}


def add_item(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    if op.item is None:
        raise ConnectorInputError("must not be null", field="input.item")
    item = shapes.to_attributes(op.item, "input.item")
    params = {"TableName": op.tableName, "Item": item}
    answer = base.call(where, "put_item", params, context, f"table {op.tableName}")
    return shapes.item_result(answer, "putItemResult")


def get_item(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    """The item as a list of one-attribute objects (Camunda keeps the SDK v1 `Item` quirk), or
    null when there is none."""
    params = {"TableName": op.tableName, "Key": _key(op)}
    answer = base.call(where, "get_item", params, context, f"table {op.tableName}")
    found = answer.get("Item")
    if not found:
        return None
    return [{name: shapes.plain(value)} for name, value in found.items()]


def update_item(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    if op.keyAttributes is None:
        raise ConnectorInputError("must not be null", field="input.keyAttributes")
    _required(op, "attributeAction")
    action = (op.attributeAction or "").lower()
    if action not in ("put", "delete"):
        raise ConnectorInputError(f"Unsupported attribute action: {op.attributeAction}",
                                  field="input.attributeAction")  # fmt: skip
    if not isinstance(op.keyAttributes, dict):
        raise ConnectorInputError("must be an object", field="input.keyAttributes")
    updates: dict[str, Any] = {}
    for name, value in op.keyAttributes.items():
        if action == "put":
            updates[name] = {
                "Action": "PUT",
                "Value": shapes.to_attribute(value, "input.keyAttributes"),
            }
        else:
            updates[name] = {"Action": "DELETE"}
    params = {"TableName": op.tableName, "Key": _key(op), "AttributeUpdates": updates}
    answer = base.call(where, "update_item", params, context, f"table {op.tableName}")
    return shapes.item_result(answer, "updateItemResult")


def delete_item(where: base.Target, op: Operation, context: ConnectorContext) -> JSON:
    params = {"TableName": op.tableName, "Key": _key(op)}
    answer = base.call(where, "delete_item", params, context, f"table {op.tableName}")
    return shapes.item_result(answer, "deleteItemResult")


def _key(op: Operation) -> dict[str, Any]:
    if op.primaryKeyComponents is None:
        raise ConnectorInputError("must not be null", field="input.primaryKeyComponents")
    return shapes.to_attributes(op.primaryKeyComponents, "input.primaryKeyComponents")


OPERATIONS = {
    "createTable": create_table,
    "deleteTable": delete_table,
    "describeTable": describe_table,
    "scanTable": scan_table,
    "addItem": add_item,
    "getItem": get_item,
    "updateItem": update_item,
    "deleteItem": delete_item,
}
