"""How the Kafka consumer reads a record's value, per schema strategy (KafkaPropertyTransformer):
no schema (UTF-8 text, read as JSON when it is), an inline Avro schema (Avro binary, no framing),
or a schema registry (Confluent's wire format: a zero byte, the 4-byte schema id, then Avro
binary or JSON text, the schema fetched by its id, as KafkaAvroDeserializer and
KafkaJsonSchemaDeserializer do).

The registry is asked `GET <url>/schemas/ids/<id>` once per id, over a connection from the
network door (the host rules and the egress policy apply to it as to the brokers).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
from typing import Any
from urllib.parse import urlsplit

import fastavro
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.network import Network

from . import serialise

REGISTRY_SECONDS = 10.0
ACCEPT = "application/vnd.schemaregistry.v1+json"


class Decoder:
    """(rawValue, value) of a record's value bytes."""

    def decode(self, value: bytes) -> tuple[str | None, Any]:
        raise NotImplementedError


class InlineAvro(Decoder):
    def __init__(self, schema: Any) -> None:
        self.schema = schema

    def decode(self, value: bytes) -> tuple[str | None, Any]:
        return None, fastavro.schemaless_reader(io.BytesIO(value), self.schema, None)


class Registry(Decoder):
    """Values framed with a registry's schema id; schemas cached by id."""

    def __init__(self, url: str, network: Network, user_info: str | None = None) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectorInputError(
                "must be an http:// or https:// URL", field="schemaStrategy.schemaRegistryUrl"
            )
        self.parts, self.network, self.user_info = parts, network, user_info
        self.schemas: dict[int, tuple[str, Any]] = {}

    def decode(self, value: bytes) -> tuple[str | None, Any]:
        if len(value) < 5 or value[0] != 0:
            raise ValueError("the value is not in the schema registry's wire format")
        kind, schema = self._schema(int.from_bytes(value[1:5], "big"))
        if kind == "JSON":
            text = value[5:].decode("utf-8", errors="replace")
            parsed = json.loads(text)
            return json.dumps(parsed, separators=(",", ":"), ensure_ascii=False), parsed
        return None, fastavro.schemaless_reader(io.BytesIO(value[5:]), schema, None)

    def _schema(self, schema_id: int) -> tuple[str, Any]:
        if schema_id not in self.schemas:
            answer = self._get(f"/schemas/ids/{schema_id}")
            kind = str(answer.get("schemaType") or "AVRO").upper()
            text = answer.get("schema")
            if not isinstance(text, str):
                raise ValueError(f"the registry has no schema {schema_id}")
            parsed = json.loads(text) if kind == "JSON" else serialise.parse_schema(text, "schema")
            self.schemas[schema_id] = (kind, parsed)
        return self.schemas[schema_id]

    def _get(self, path: str) -> dict[str, Any]:
        parts = self.parts
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        connection = _DoorConnection(self.network, parts.hostname or "", port, https)
        headers = {"Accept": ACCEPT}
        if self.user_info:  # basic.auth.credentials.source=USER_INFO, as Confluent's client
            headers["Authorization"] = "Basic " + base64.b64encode(self.user_info.encode()).decode()
        try:
            connection.request("GET", parts.path.rstrip("/") + path, headers=headers)
            reply = connection.getresponse()
            body = reply.read()
        finally:
            connection.close()
        if reply.status != 200:
            raise ValueError(f"the schema registry answered {reply.status} for {path}")
        answer = json.loads(body or b"{}")
        return answer if isinstance(answer, dict) else {}


class _DoorConnection(http.client.HTTPConnection):
    """http.client on a socket from the network door (TLS verified against the host name)."""

    def __init__(self, network: Network, host: str, port: int, tls: bool) -> None:
        super().__init__(host, port, timeout=REGISTRY_SECONDS)
        self.network, self.tls = network, tls

    def connect(self) -> None:
        self.sock = self.network.connect(self.host, self.port, tls=self.tls, timeout=self.timeout)
