"""The gateway connection: gRPC or REST; plaintext, TLS, basic, Self-Managed OAuth or SaaS."""

import os
from dataclasses import dataclass, field

import grpc
from pyzeebe import (
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
    create_secure_channel,
)
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc


@dataclass(frozen=True)
class GatewayConfig:
    """How to reach the gateway: plaintext, TLS, Self-Managed OAuth or Camunda 8 SaaS.

    - `cluster_id` set: SaaS (`<cluster>.<region>.zeebe.camunda.io:443`, OAuth at
      login.cloud.camunda.io unless `authorization_server` says otherwise);
    - `client_id` set: Self-Managed with OAuth client credentials (always TLS);
    - `tls`: TLS without OAuth (`ca_certificate`: a PEM file, else the system's roots);
    - otherwise plaintext.

    The transport: REST (`rest_address`, Camunda 8.8+'s `/v2` API) when a REST address is set
    and either no gRPC `address` is or `prefer_rest` says so (Camunda's Java client decides
    the same way: `camunda.client.prefer-rest-over-grpc`); gRPC otherwise. Over REST,
    `username`/`password` give basic authentication, `client_id` OAuth (as over gRPC).
    """

    address: str = "127.0.0.1:26500"
    tls: bool = False
    ca_certificate: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    authorization_server: str = ""
    audience: str = ""
    scope: str = ""
    cluster_id: str = ""
    region: str = ""
    rest_address: str = ""
    prefer_rest: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def transport(self) -> str:
        if self.rest_address and (self.prefer_rest or not self.address):
            return "rest"
        return "grpc"

    @property
    def mode(self) -> str:
        if self.transport == "rest":
            return "oauth" if self.client_id else "basic" if self.username else "plaintext"
        if self.cluster_id:
            return "saas"
        if self.client_id:
            return "oauth"
        return "tls" if self.tls else "plaintext"

    @property
    def display_address(self) -> str:
        if self.transport == "rest":
            return self.rest_address
        if self.cluster_id:
            return f"{self.cluster_id}.{self.region or 'bru-2'}.zeebe.camunda.io:443"
        return self.address

    def problems(self) -> list[str]:
        """What is missing, named by setting; empty when the configuration can be used."""
        if self.transport == "rest":
            return self._rest_problems()
        problems = []
        if self.mode in ("saas", "oauth") and not (self.client_id and self.client_secret):
            problems.append("ZEEBE_CLIENT_ID and ZEEBE_CLIENT_SECRET are both needed for OAuth")
        if self.mode == "oauth" and not self.authorization_server:
            problems.append("ZEEBE_AUTHORIZATION_SERVER_URL is needed for Self-Managed OAuth")
        if self.mode in ("plaintext", "tls") and ":" not in self.address:
            problems.append(f"ZEEBE_ADDRESS={self.address!r} must be host:port")
        if self.ca_certificate and not os.path.isfile(self.ca_certificate):
            problems.append(f"ZEEBE_CA_CERTIFICATE_PATH={self.ca_certificate!r} is not a file")
        return problems

    def _rest_problems(self) -> list[str]:
        problems = []
        if not self.rest_address.startswith(("http://", "https://")):
            problems.append(
                f"CAMUNDA_REST_ADDRESS={self.rest_address!r} must be a URL such as "
                "http://localhost:8080"
            )
        if self.client_id and not self.client_secret:
            problems.append("ZEEBE_CLIENT_ID and ZEEBE_CLIENT_SECRET are both needed for OAuth")
        if self.client_id and not (self.authorization_server or self.cluster_id):
            problems.append("ZEEBE_AUTHORIZATION_SERVER_URL is needed for OAuth")
        if self.username and not self.password:
            problems.append(
                "CAMUNDA_BASIC_AUTH_USERNAME and CAMUNDA_BASIC_AUTH_PASSWORD are both needed "
                "for basic authentication"
            )
        if self.ca_certificate and not os.path.isfile(self.ca_certificate):
            problems.append(f"ZEEBE_CA_CERTIFICATE_PATH={self.ca_certificate!r} is not a file")
        return problems

    def channel(self) -> grpc.aio.Channel:
        """A new channel (the supervisor makes one per connection attempt)."""
        credentials = None
        if self.ca_certificate:
            with open(self.ca_certificate, "rb") as pem:
                credentials = grpc.ssl_channel_credentials(root_certificates=pem.read())
        if self.mode == "saas":
            return create_camunda_cloud_channel(
                client_id=self.client_id,
                client_secret=self.client_secret,
                cluster_id=self.cluster_id,
                region=self.region or "bru-2",
                authorization_server=self.authorization_server
                or "https://login.cloud.camunda.io/oauth/token",
                scope=self.scope or None,
                audience=self.audience or "zeebe.camunda.io",
                channel_credentials=credentials,
            )
        if self.mode == "oauth":
            return create_oauth2_client_credentials_channel(
                grpc_address=self.address,
                client_id=self.client_id,
                client_secret=self.client_secret,
                authorization_server=self.authorization_server,
                scope=self.scope or None,
                audience=self.audience or None,
                channel_credentials=credentials,
            )
        if self.tls:
            return create_secure_channel(grpc_address=self.address, channel_credentials=credentials)
        return create_insecure_channel(grpc_address=self.address)


async def gateway_answers(channel: grpc.aio.Channel, timeout: float = 3.0) -> str | None:
    """None when the gateway answers a Topology request, else why not."""
    stub = gateway_pb2_grpc.GatewayStub(channel)
    try:
        await stub.Topology(gateway_pb2.TopologyRequest(), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        return f"{exc.code().name}: {exc.details()}"
    except Exception as exc:  # OAuth token errors surface as plain exceptions
        return f"{type(exc).__name__}: {exc}"
    return None
