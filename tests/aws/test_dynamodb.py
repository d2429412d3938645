"""The DynamoDB connector: every version of Camunda's template builds, for every operation, a
job the connector binds (corpus), and the current version runs each operation against moto;
the test reads back what was stored with plain boto3."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.aws.dynamodb import DynamoDbInput, dynamodb
from connectors.elementtemplates import ElementTemplate, build_job
from tests.aws.conftest import DYNAMODB, all_versions, client, run_aws, with_endpoint
from tests.builtin.conftest import result_of, values_for
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

TABLE_OPERATIONS = ["createTable", "deleteTable", "describeTable", "scanTable"]
ITEM_OPERATIONS = ["addItem", "deleteItem", "getItem", "updateItem"]
FIELDS = {
    "input.tableName": "orders",
    "input.partitionKey": "id",
    "input.partitionKeyRole": "HASH",
    "input.partitionKeyType": "S",
    "input.readCapacityUnits": "5",
    "input.writeCapacityUnits": "5",
    "input.billingModeStr": "PROVISIONED",
    "input.deletionProtection": "false",
    "input.filterExpression": "#s = :s",
    "input.expressionAttributeNames": '={"#s": "status"}',
    "input.expressionAttributeValues": '={":s": "open"}',
    "input.item": '={"id": "o-1", "status": "open", "total": 42}',
    "input.primaryKeyComponents": '={"id": "o-1"}',
    "input.keyAttributes": '={"status": "shipped"}',
    "input.attributeAction": "put",
}


def operation_values(operation: str) -> dict[str, Any]:
    """Both ways of choosing the operation: v2-v6 (`operationGroup`, `input.type`), v7+."""
    group = "table" if operation in TABLE_OPERATIONS else "item"
    chosen = {"operationGroup": group, "input.type": operation}
    chosen["input.operationGroup"] = f"{group}Operation"
    chosen[f"input.{group}Operation"] = operation
    return {**FIELDS, **chosen}


CASES = [
    (t, op) for t in all_versions(DYNAMODB) if t.id == DYNAMODB[1]
    for op in TABLE_OPERATIONS + ITEM_OPERATIONS
]  # fmt: skip


@pytest.mark.parametrize(("tpl", "operation"), CASES, ids=[f"v{t.version}-{o}" for t, o in CASES])
def test_every_version_and_operation_builds_a_job_the_connector_binds(
    tpl: ElementTemplate, operation: str
) -> None:
    auth = {"authentication.type": "credentials", "authentication.accessKey": "AKIAEXAMPLE",
            "authentication.secretKey": "secret-example",
            "configuration.region": "eu-central-1"}  # fmt: skip
    job = build_job(tpl, values_for(tpl, {**auth, **operation_values(operation)}))
    assert not job.errors, job.errors
    assert job.type == dynamodb.type
    bound = bind_input(dynamodb, job.variables)
    assert isinstance(bound, DynamoDbInput)
    assert bound.input.name == operation and bound.input.tableName == "orders"
    if operation == "addItem":
        assert bound.input.item == {"id": "o-1", "status": "open", "total": 42}
    if operation == "scanTable":
        assert bound.input.expressionAttributeNames == {"#s": "status"}
        assert bound.input.expressionAttributeValues == {":s": "open"}
    if operation == "createTable":
        assert bound.input.readCapacityUnits == 5 and bound.input.partitionKeyType == "S"


def run(moto: Moto, operation: str, **fields: Any) -> Any:
    group = "table" if operation in TABLE_OPERATIONS else "item"
    values = {"input.operationGroup": f"{group}Operation", f"input.{group}Operation": operation,
              "input.tableName": "orders", **fields}  # fmt: skip
    return run_aws(with_endpoint(DYNAMODB), moto, values)


def test_tables_and_items_round_trip(moto: Moto) -> None:
    created = result_of(run(moto, "createTable", **{
        "input.partitionKey": "id", "input.partitionKeyRole": "HASH",
        "input.partitionKeyType": "S", "input.sortKey": "line", "input.sortKeyRole": "RANGE",
        "input.sortKeyType": "N", "input.readCapacityUnits": "5",
        "input.writeCapacityUnits": "3", "input.billingModeStr": "PROVISIONED",
        "input.deletionProtection": "false",
    }))  # fmt: skip
    assert created["tableName"] == "orders" and created["tableStatus"] == "ACTIVE"
    assert created["keySchema"] == [
        {"attributeName": "id", "keyType": "HASH"},
        {"attributeName": "line", "keyType": "RANGE"},
    ]
    assert created["provisionedThroughput"]["readCapacityUnits"] == 5
    assert list(created)[:5] == [
        "attributeDefinitions",
        "tableName",
        "keySchema",
        "tableStatus",
        "creationDateTime",
    ]
    assert len(created) == 25 and created["creationDateTime"].endswith("+00:00")
    raw = client(moto, "dynamodb")
    assert (
        raw.describe_table(TableName="orders")["Table"]["KeySchema"][1]["AttributeName"] == "line"
    )

    key = '={"id": "o-1", "line": 1}'
    added = result_of(run(moto, "addItem", **{
        "input.item": '={"id": "o-1", "line": 1, "status": "open", "total": 9.5,'
                      ' "tags": ["a", "b"], "paid": false, "note": null}',
    }))  # fmt: skip
    assert added["item"] is None and added["putItemResult"]["attributes"] is None
    assert added["putItemResult"]["sdkHttpMetadata"]["httpStatusCode"] == 200
    stored = raw.get_item(TableName="orders", Key={"id": {"S": "o-1"}, "line": {"N": "1"}})
    assert stored["Item"] == {
        "id": {"S": "o-1"}, "line": {"N": "1"}, "status": {"S": "open"}, "total": {"N": "9.5"},
        "tags": {"L": [{"S": "a"}, {"S": "b"}]}, "paid": {"BOOL": False}, "note": {"NULL": True},
    }  # fmt: skip

    got = result_of(run(moto, "getItem", **{"input.primaryKeyComponents": key}))
    assert {k: v for entry in got for k, v in entry.items()} == {
        "id": "o-1", "line": 1, "status": "open", "total": 9.5, "tags": ["a", "b"],
        "paid": False, "note": None,
    }  # fmt: skip
    assert all(len(entry) == 1 for entry in got)  # one object per attribute, as Camunda's

    updated = result_of(run(moto, "updateItem", **{
        "input.primaryKeyComponents": key, "input.keyAttributes": '={"status": "shipped"}',
        "input.attributeAction": "put",
    }))  # fmt: skip
    assert list(updated) == ["item", "updateItemResult"]
    stored = raw.get_item(TableName="orders", Key={"id": {"S": "o-1"}, "line": {"N": "1"}})
    assert stored["Item"]["status"] == {"S": "shipped"}

    raw.put_item(TableName="orders", Item={"id": {"S": "o-2"}, "line": {"N": "1"},
                                           "status": {"S": "open"}})  # fmt: skip
    scanned = result_of(run(moto, "scanTable", **{
        "input.filterExpression": "#s = :s", "input.expressionAttributeNames": '={"#s": "status"}',
        "input.expressionAttributeValues": '={":s": "open"}',
    }))  # fmt: skip
    assert scanned == {"action": "scanTable", "status": "OK",
                       "response": [{"id": "o-2", "line": 1, "status": "open"}]}  # fmt: skip

    deleted = result_of(run(moto, "deleteItem", **{"input.primaryKeyComponents": key}))
    assert list(deleted) == ["item", "deleteItemResult"]
    assert "Item" not in raw.get_item(TableName="orders", Key={"id": {"S": "o-1"},
                                                               "line": {"N": "1"}})  # fmt: skip
    assert result_of(run(moto, "getItem", **{"input.primaryKeyComponents": key})) is None

    gone = result_of(run(moto, "deleteTable"))
    assert gone == {"action": "delete Table [orders]", "status": "OK", "response": None}
    assert raw.list_tables()["TableNames"] == []


def test_a_missing_table(moto: Moto) -> None:
    outcome = run(moto, "describeTable", **{"input.tableName": "nowhere"})

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == (
        "software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException"
    )
    assert "(Service: DynamoDb, Status Code: 400, Request ID: " in error["message"]
