"""The client side of a Confluent-compatible schema registry, as Camunda's serializers use it.

Camunda's `schemaRegistry` strategy hands the value to Confluent's KafkaAvroSerializer or
KafkaJsonSchemaSerializer, which register the schema (auto.register.schemas, on by default)
under the topic's value subject (TopicNameStrategy: `<topic>-value`) and prefix the data with
the id the registry answers. Here the registration is one REST call (`POST
/subjects/<subject>/versions`) through the hub's HTTP client, so the network door, the egress
policy and the secrets' host rules apply to the registry as to any other host.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from connectorhub_sdk import ConnectorContext, ConnectorError

from connectors.builtin.http.client import HttpCall, execute

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


def register(
    url: str, topic: str, schema: str, schema_type: str, user_info: str | None,
    context: ConnectorContext,
) -> int:  # fmt: skip
    """The registry's id for SCHEMA under `<topic>-value` (registering it when new)."""
    subject = quote(f"{topic}-value", safe="")
    body: dict[str, str] = {"schema": schema}
    if schema_type == "json":
        body["schemaType"] = "JSON"  # Avro is the registry's default type
    headers = [("Content-Type", CONTENT_TYPE), ("Accept", CONTENT_TYPE)]
    if user_info:
        # basic.auth.credentials.source=USER_INFO: "user:password", as Confluent's client sends it
        token = base64.b64encode(user_info.encode()).decode()
        headers.append(("Authorization", f"Basic {token}"))
    call = HttpCall(
        method="POST",
        url=f"{url.rstrip('/')}/subjects/{subject}/versions",
        headers=headers,
        content=json.dumps(body).encode(),
        url_field="schemaStrategy.schemaRegistryUrl",
    )
    reply = execute(call, context)
    try:
        answer = json.loads(reply.content or b"{}")
    except ValueError:
        answer = {}
    if reply.status // 100 == 2 and isinstance(answer.get("id"), int):
        return int(answer["id"])
    kind = "JSON" if schema_type == "json" else "Avro"
    detail = answer.get("message") if isinstance(answer, dict) else None
    raise ConnectorError(
        "FAIL",
        f"Error during Kafka Producer execution; error message: [Error registering {kind} "
        f"schema: {detail or reply.reason or reply.status}; error code: "
        f"{answer.get('error_code', reply.status)}]",
    )
