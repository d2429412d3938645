"""What every AWS connector shares, as Camunda's aws-base module has it (`AwsBaseRequest`,
`AwsAuthentication`, `AwsBaseConfiguration`, `AwsClientSupport`, `AwsUtils`): the
authentication (access key and secret key, or the default credentials chain), the region, the
custom endpoint, the `awsCredential` object of newer templates, and `call`, which makes one AWS
call through the network door and records it on the run page (docs/aws-connectors.md).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from connectorhub_sdk import ConnectorContext, ConnectorInputError, EgressDenied, ui
from connectorhub_sdk.types import FeelObject, Text
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import door, errors

SHOWN_BYTES = 64 * 1024  # longer bytes are shown on the run page as their size
MAX_CLIENTS = 32  # clients kept (one per service, region, endpoint and key); LRU
# The instance metadata address: the default chain may read the hub's own identity from it.
METADATA = "169.254.169.254"
# Camunda's clients set no retry mode, so the Java SDK v2's legacy default applies: 4 attempts
# in all, DynamoDB 9, with exponential backoff (DynamoDB's from a few tens of milliseconds).
# botocore's legacy mode has the same shape; only the attempt counts are set here.
ATTEMPTS = {"dynamodb": 9}
DEFAULT_ATTEMPTS = 4


def client_config(service: str) -> Config:
    return Config(
        retries={"mode": "legacy", "total_max_attempts": ATTEMPTS.get(service, DEFAULT_ATTEMPTS)},
        # the endpoint is the template's (or AWS's regional one), never one from the hub's
        # environment or config files (AWS_ENDPOINT_URL)
        ignore_configured_endpoint_urls=True,
    )


class AwsAuthentication(BaseModel):
    """Camunda's AwsAuthentication: `credentials` (the default, also when `type` is missing,
    as in templates before the chain was offered) or `defaultCredentialsChain`."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["credentials", "defaultCredentialsChain"] = "credentials"
    accessKey: Text | None = Field(default=None, json_schema_extra=ui(secret=True))
    secretKey: Text | None = Field(default=None, json_schema_extra=ui(secret=True))


class AwsConfiguration(BaseModel):
    """Camunda's AwsBaseConfiguration."""

    model_config = ConfigDict(extra="ignore")
    region: Text | None = None
    endpoint: Text | None = None


class AwsBaseInput(BaseModel):
    """The fields every AWS template binds (Camunda's AwsBaseRequest)."""

    model_config = ConfigDict(extra="ignore")
    authentication: AwsAuthentication | None = None
    configuration: AwsConfiguration | None = None
    awsCredential: FeelObject = Field(
        default=None, description="A reusable AWS credential; wins over `authentication`"
    )


@dataclass(frozen=True)
class Target:
    """Where and as whom one AWS service is called."""

    service: str
    region: str
    endpoint: str | None
    access_key: str | None  # None: the default credentials chain
    secret_key: str | None

    @property
    def where(self) -> str:
        """The endpoint for the run page (AWS's regional one when none is given)."""
        return self.endpoint or f"{self.service}.{self.region}.amazonaws.com"


def target(
    data: AwsBaseInput, service: str, context: ConnectorContext, region: str | None = None
) -> Target:
    """The credential object wins over the inline fields (AwsBaseRequest.getAuthentication);
    the region falls back to REGION, a connector's deprecated own field
    (AwsUtils.extractRegionOrDefault)."""
    auth, config = _credential(data.awsCredential)
    auth = auth or data.authentication
    config = config or data.configuration or AwsConfiguration()
    # a blank endpoint is none (Camunda's AwsClientSupport skips it)
    endpoint = ((data.configuration.endpoint if data.configuration else None) or "").strip() or None
    chosen = (config.region or "").strip() or (region or "").strip()
    if not chosen:
        raise ConnectorInputError("must not be empty", field="configuration.region")
    if endpoint is not None:
        endpoint = _endpoint(endpoint)
    if auth is None:
        raise ConnectorInputError("Authentication is required", field="authentication")
    if auth.type == "defaultCredentialsChain":
        _chain_allowed(context)
        return Target(service, chosen, endpoint, None, None)
    for name in ("accessKey", "secretKey"):
        if not (getattr(auth, name) or "").strip():
            raise ConnectorInputError("must not be blank", field=f"authentication.{name}")
    return Target(service, chosen, endpoint, auth.accessKey, auth.secretKey)


def _credential(value: Any) -> tuple[AwsAuthentication | None, AwsConfiguration | None]:
    """Camunda's AwsCredentialConfiguration `{authentication, region}` when given as an object
    (FEEL, or a named credential the hub resolved at run time: connectors.credentials)."""
    if value in (None, "", {}):
        return None, None
    if not isinstance(value, dict):  # FEEL and JSON text were read by the input type
        raise ConnectorInputError(
            "must be an AWS credential {authentication, region}: choose a named credential "
            "(Credentials in the menu) or leave it empty and fill in the authentication and "
            "region fields",
            field="awsCredential",
        )
    try:
        auth = AwsAuthentication.model_validate(value.get("authentication") or {})
        return auth, AwsConfiguration.model_validate({"region": value.get("region")})
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConnectorInputError(problem["msg"], field=f"awsCredential.{where}") from None


def _endpoint(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectorInputError(
            "must be an http:// or https:// URL, e.g. https://sqs.eu-central-1.amazonaws.com",
            field="configuration.endpoint",
        )
    return text


def _chain_allowed(context: ConnectorContext) -> None:
    """The default credentials chain signs as the hub itself (its environment, files, instance
    metadata). Under an address policy (dry-runs) that is refused unless staff admitted the
    metadata address; without one (the live worker by default) it is used, as Camunda does."""
    if context.address_policy is None:
        return
    try:
        context.network.resolve(METADATA, 80)
    except EgressDenied:
        raise ConnectorInputError(
            "the default credentials chain would use the hub's own AWS identity, which runs "
            f"under the egress policy (dry-runs) may not; staff can allow it by adding {METADATA} "
            "to the egress allow-list. Otherwise use an access key and secret key",
            field="authentication.type",
        ) from None


def call(
    target: Target,
    operation: str,
    params: dict[str, Any],
    context: ConnectorContext,
    summary: str,
) -> dict[str, Any]:
    """One AWS call (botocore's OPERATION name, e.g. `send_message`) with PARAMS; its
    exchange on the run page shows SUMMARY, the parameters and the answer."""
    client = _client(target)
    name = client.meta.method_to_api_mapping.get(operation, operation)
    service = client.meta.service_model.service_id  # SQS, SNS, EventBridge, Lambda
    with context.network.exchange("aws", target.where, f"{service} {name} · {summary}") as exchange:
        exchange.request_body = _shown(params)
        try:
            with door.calling(context) as made:
                answer: dict[str, Any] = getattr(client, operation)(**params)
        except Exception as exc:
            status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            exchange.status = status
            failure = errors.mapped(exc, target.service, target.where)
            if failure is exc:
                raise
            raise failure from None
        for key, value in answer.items():  # a streamed body (Lambda's payload): in memory
            if hasattr(value, "read"):
                answer[key] = value.read()
        meta = answer.pop("ResponseMetadata", {})
        exchange.status = meta.get("HTTPStatusCode")
        exchange.response_body = _shown(answer)
        meta["RawHeaders"] = made.headers
        answer["ResponseMetadata"] = meta
        return answer


def sdk_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    """The AWS SDK's response metadata as Camunda's v1-shaped results carry it (EventBridge,
    DynamoDB): `sdkResponseMetadata` and `sdkHttpMetadata`."""
    meta = answer.get("ResponseMetadata", {})
    every: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for name, value in meta.get("RawHeaders", []):
        # the SDK keeps headers case-insensitively, sorted, under the first spelling received
        every.setdefault(spelled.setdefault(name.lower(), name), []).append(value)
    ordered = sorted(every, key=str.lower)
    return {
        "sdkResponseMetadata": {"requestId": meta.get("RequestId")},
        "sdkHttpMetadata": {
            "httpHeaders": {name: every[name][0] for name in ordered},
            "httpStatusCode": meta.get("HTTPStatusCode"),
            "allHttpHeaders": {name: every[name] for name in ordered},
        },
    }


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=_text)


def _text(value: Any) -> str:
    """Bytes (a document, a model's input) are shown when they are short UTF-8 text, else as
    their size: the run page is no place for an image."""
    if isinstance(value, bytes):
        if len(value) <= SHOWN_BYTES:
            try:
                return value.decode()
            except UnicodeDecodeError:
                pass
        return f"<{len(value)} bytes>"
    return str(value)


_clients: OrderedDict[tuple[Any, ...], BaseClient] = OrderedDict()
_lock = threading.Lock()  # botocore sessions are not thread-safe while they create clients
_session: botocore.session.Session | None = None


def _client(target: Target) -> BaseClient:
    """A shared client for TARGET (the key pair only as a digest in the cache key): botocore
    clients are thread-safe, and building one costs more than most calls."""
    pair = f"{target.access_key}\0{target.secret_key}".encode()
    key = (target.service, target.region, target.endpoint, hashlib.sha256(pair).hexdigest())
    with _lock:
        client = _clients.get(key)
        if client is not None:
            _clients.move_to_end(key)
            return client
        client = _session_for().create_client(
            target.service,
            region_name=target.region,
            endpoint_url=target.endpoint,
            aws_access_key_id=target.access_key,
            aws_secret_access_key=target.secret_key,
            config=client_config(target.service),
        )
        client.meta.events.register("before-send", door.send)
        _clients[key] = client
        while len(_clients) > MAX_CLIENTS:
            _clients.popitem(last=False)[1].close()
        return client


def client_for(target: Target) -> BaseClient:
    """The shared client for TARGET, for a caller that makes its own calls inside
    `door.calling` (the SQS consumer: one poll after another, no exchange recorded for each)."""
    return _client(target)


def _session_for() -> botocore.session.Session:
    """One botocore session (its service models are read once). Clients with a key pair get
    it explicitly; only the default chain reads the environment, files and instance metadata."""
    global _session
    if _session is None:
        _session = botocore.session.Session()
    return _session


def close_clients() -> None:
    """Close every shared client (tests, shutdown)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
