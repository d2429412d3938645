"""Fixtures for the AWS connectors: moto on 127.0.0.1 for the whole session (state reset before
each test), Camunda's official templates from the pinned corpus, and plain boto3 clients that
read back what a connector sent."""

from __future__ import annotations

import json
from typing import Any

import boto3

from connectors.elementtemplates import ElementTemplate, read_templates
from connectors.runtime import Outcome
from tests.builtin.conftest import run_template, template, templates
from tests.elementtemplates.corpus import corpus_template
from tests.services.moto import Moto

SQS = ("aws-sqs-outbound-connector.json", "io.camunda.connectors.AWSSQS.v1", 14)
SNS = ("aws-sns-outbound-connector.json", "io.camunda.connectors.AWSSNS.v1", 11)
EVENTBRIDGE = (
    "aws-eventbridge-outbound-connector.json",
    "io.camunda.connectors.AWSEventBridge.v1",
    9,
)
LAMBDA = ("aws-lambda-outbound-connector.json", "io.camunda.connectors.AWSLAMBDA.v2", 9)
DYNAMODB = ("aws-dynamodb-outbound-connector.json", "io.camunda.connectors.AWSDynamoDB.v1", 12)
ACCESS_SECRET, SECRET_SECRET = "AWS_ACCESS_KEY", "AWS_SECRET_KEY"


def all_versions(kind: tuple[str, str, int]) -> tuple[ElementTemplate, ...]:
    return templates(kind[0])


def with_endpoint(kind: tuple[str, str, int], version: int | None = None) -> ElementTemplate:
    """Camunda's template with its Hidden `configuration.endpoint` turned into a text field, as
    a user who points the connector at another endpoint edits it (the Modeler offers no field)."""
    raw = corpus_template(kind[1], version or kind[2])
    for prop in raw["properties"]:
        if prop.get("binding", {}).get("name") == "configuration.endpoint":
            prop["type"] = "String"
    (tpl,) = read_templates(json.dumps(raw).encode())
    return tpl


def official(kind: tuple[str, str, int], version: int | None = None) -> ElementTemplate:
    return template(kind[0], kind[1], version or kind[2])


def aws_values(moto: Moto, **extra: Any) -> dict[str, Any]:
    """Template values (by binding name) for moto, the key pair as hub secrets."""
    return {
        "authentication.type": "credentials",
        "authentication.accessKey": f"{{{{secrets.{ACCESS_SECRET}}}}}",
        "authentication.secretKey": f"{{{{secrets.{SECRET_SECRET}}}}}",
        "configuration.region": moto.region,
        "configuration.endpoint": moto.endpoint,
        "resultVariable": "result",
        **extra,
    }


def secrets_of(moto: Moto) -> dict[str, str]:
    return {ACCESS_SECRET: moto.access_key, SECRET_SECRET: moto.secret_key}


def run_aws(tpl: ElementTemplate, moto: Moto, values: dict[str, Any], **kwargs: Any) -> Outcome:
    """VALUES (by binding name, over aws_values) through the runtime core, secrets resolved."""
    secrets = kwargs.pop("secrets", None) or secrets_of(moto)
    return run_template(tpl, {**aws_values(moto), **values}, secrets=secrets, **kwargs)


def client(moto: Moto, service: str, **keys: str) -> Any:
    """A plain boto3 client on moto (the test's own reader)."""
    return boto3.client(
        service,
        endpoint_url=moto.endpoint,
        region_name=moto.region,
        aws_access_key_id=keys.get("access_key", moto.access_key),
        aws_secret_access_key=keys.get("secret_key", moto.secret_key),
    )


def receive_all(moto: Moto, queue_url: str) -> list[dict[str, Any]]:
    """Every message on the queue, with all attributes (system ones too)."""
    answer = client(moto, "sqs").receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=0,
    )
    messages: list[dict[str, Any]] = answer.get("Messages", [])
    return messages
