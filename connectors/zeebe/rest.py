"""The Orchestration Cluster REST API (`/v2`, Camunda 8.8+) for jobs: a small httpx client.

`RestGateway` activates jobs by long polling and sends the job commands (`JobCommands`: the
same job handler serves both transports); `topology()` is the heartbeat and names the gateway's
version. Request and response shapes are Camunda's `rest-api.yaml` (io.camunda:
zeebe-gateway-protocol 8.8), which the test engine checks every request against.

Authentication: none, basic (`CAMUNDA_BASIC_AUTH_USERNAME`/`_PASSWORD`) or OAuth client
credentials (`ZEEBE_CLIENT_ID`/`_SECRET` at `ZEEBE_AUTHORIZATION_SERVER_URL`; SaaS too), with the
token cached until shortly before it expires and fetched again after a 401.
"""

import asyncio
import ssl
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx
from pyzeebe import Job

from connectors.network.http_pool import AsyncKeptAliveTransport
from connectors.zeebe.jobs import CommandRejected, JobResultRefused

SAAS_AUTHORIZATION_SERVER = "https://login.cloud.camunda.io/oauth/token"
SAAS_AUDIENCE = "zeebe.camunda.io"
TOKEN_EARLY_REFRESH_SECONDS = 30  # a token this close to expiring is fetched again


class GatewayUnavailable(CommandRejected):
    """The REST gateway could not be reached or answered with a server error: the command
    did not arrive (the job handler records why), and the worker reconnects."""


class RequestRefused(CommandRejected):
    """The gateway answered 4xx (other than 401/403): the request arrived and was turned
    down; `status` is the HTTP status (404: no such job, no subscription for a message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RestAuth:
    """How requests authenticate: nothing, basic, or OAuth client credentials."""

    username: str = ""
    password: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    authorization_server: str = ""
    audience: str = ""
    scope: str = ""

    @property
    def mode(self) -> str:
        if self.client_id:
            return "oauth"
        return "basic" if self.username else "none"

    def httpx_auth(self) -> httpx.Auth | None:
        if self.mode == "oauth":
            return ClientCredentials(self)
        if self.mode == "basic":
            return httpx.BasicAuth(self.username, self.password)
        return None


class ClientCredentials(httpx.Auth):
    """OAuth 2 client credentials: a bearer token, cached, fetched again before it expires or
    when the gateway answers 401."""

    def __init__(self, auth: RestAuth) -> None:
        self.auth = auth
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self._bearer()}"
        response = yield request
        if response.status_code == 401:  # revoked or expired early: one new token, one retry
            request.headers["Authorization"] = f"Bearer {await self._bearer(renew=True)}"
            yield request

    async def _bearer(self, renew: bool = False) -> str:
        async with self._lock:
            if renew or not self._token or time.monotonic() >= self._expires:
                await self._fetch()
            return self._token

    async def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.auth.client_id,
            "client_secret": self.auth.client_secret,
        }
        if self.auth.audience:
            form["audience"] = self.auth.audience
        if self.auth.scope:
            form["scope"] = self.auth.scope
        async with httpx.AsyncClient(timeout=10) as client:
            try:
                response = await client.post(self.auth.authorization_server, data=form)
            except httpx.HTTPError as exc:
                raise GatewayUnavailable(f"OAuth token request failed: {exc!r}") from exc
        if response.status_code != 200:
            raise GatewayUnavailable(
                f"OAuth token request to {self.auth.authorization_server} answered "
                f"{response.status_code}: {response.text[:200]}"
            )
        body = response.json()
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 300)
        self._expires = time.monotonic() + max(lifetime - TOKEN_EARLY_REFRESH_SECONDS, 1)


COMMAND_CONNECTIONS = 16  # connections for job commands; more wait their turn (see RestGateway)
POLL_CONNECTIONS = 1000  # long polls at once: one per job type served, so in effect no limit


def api_base(address: str) -> str:
    """`http://host:8080`, `http://host:8080/`, `.../v2` -> `http://host:8080/v2`."""
    base = address.rstrip("/")
    return base if base.endswith("/v2") else f"{base}/v2"


class RestGateway:
    """One connection to the REST gateway: job activation, the job commands, topology."""

    def __init__(
        self,
        address: str,
        auth: RestAuth | None = None,
        *,
        ca_certificate: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.address = address
        self.auth = auth or RestAuth()
        verify: ssl.SSLContext | bool = True
        if ca_certificate:
            verify = ssl.create_default_context(cafile=ca_certificate)
        tls = httpx.create_ssl_context(verify=verify)
        common: dict[str, Any] = {
            "base_url": api_base(address),
            "auth": self.auth.httpx_auth(),  # one token cache for both
            "timeout": timeout,
        }
        # Commands, topology and the rest: a few kept-alive connections, in turn. Measured
        # with 100 jobs completing at once, one connection per command cost the worker (and
        # the gateway) more than waiting for one of these; the pool takes and gives back a
        # connection in constant time (httpcore's own walks every connection and every
        # waiting command at each request: docs/performance.md).
        self.http = httpx.AsyncClient(
            **common, transport=AsyncKeptAliveTransport(tls, max_connections=COMMAND_CONNECTIONS)
        )
        # Long polls, one per job type, each held by the gateway for up to its long-poll time:
        # a pool of their own, so that they never keep a command waiting for a connection.
        self.polls = httpx.AsyncClient(
            **common, transport=AsyncKeptAliveTransport(tls, max_connections=POLL_CONNECTIONS)
        )
        self.gateway_version = ""

    async def close(self) -> None:
        await self.http.aclose()
        await self.polls.aclose()

    async def topology(self, timeout: float = 3.0) -> dict[str, Any]:
        response = await self.call("GET", "/topology", timeout=timeout)
        body: dict[str, Any] = response.json()
        self.gateway_version = str(body.get("gatewayVersion") or "")
        return body

    async def answers(self, timeout: float = 3.0) -> str | None:
        """None when the gateway answers a topology request, else why not."""
        try:
            await self.topology(timeout)
        except CommandRejected as exc:  # GatewayUnavailable included
            return str(exc)
        return None

    async def activate(
        self,
        job_type: str,
        *,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch_variables: Sequence[str] = (),
        request_timeout_ms: int = 0,
    ) -> list[Job]:
        """Long polling: returns when a job is activated or after `request_timeout_ms`
        (0: the gateway's default; negative: at once)."""
        body: dict[str, Any] = {
            "type": job_type,
            "worker": worker,
            "timeout": timeout_ms,
            "maxJobsToActivate": max_jobs,
            "requestTimeout": request_timeout_ms,
        }
        if fetch_variables:
            body["fetchVariable"] = list(fetch_variables)
        # The gateway holds the request up to its long-poll time (10 s by default).
        wait = (request_timeout_ms if request_timeout_ms > 0 else 10_000) / 1000 + 10
        response = await self.call(
            "POST", "/jobs/activation", json=body, timeout=wait, client=self.polls
        )
        return [activated_job(job) for job in response.json().get("jobs", [])]

    # -- JobCommands --------------------------------------------------------------------------

    async def complete(
        self,
        job_key: int,
        variables: Mapping[str, Any],
        result: Mapping[str, Any] | None = None,
    ) -> None:
        """Complete the job; RESULT is the job result Camunda's runtime sends for ad-hoc
        sub-processes and user task listeners (`{"type": "adHocSubProcess", ...}`)."""
        body: dict[str, Any] = {"variables": dict(variables)}
        if result is not None:
            body["result"] = dict(result)
        try:
            await self.call("POST", f"/jobs/{job_key}/completion", json=body)
        except RequestRefused as exc:
            if result is None or exc.status != HTTPStatus.BAD_REQUEST:
                raise
            raise JobResultRefused(f"the gateway refused the job result: {exc}") from exc

    async def fail(
        self,
        job_key: int,
        retries: int,
        message: str,
        backoff_ms: int,
        variables: Mapping[str, Any],
    ) -> None:
        body = {
            "retries": retries,
            "errorMessage": message,
            "retryBackOff": backoff_ms,
            "variables": dict(variables),
        }
        await self.call("POST", f"/jobs/{job_key}/failure", json=body)

    async def throw_error(
        self, job_key: int, code: str, message: str, variables: Mapping[str, Any]
    ) -> None:
        body = {"errorCode": code, "errorMessage": message, "variables": dict(variables)}
        await self.call("POST", f"/jobs/{job_key}/error", json=body)

    async def update_timeout(self, job_key: int, timeout_ms: int) -> None:
        await self.call("PATCH", f"/jobs/{job_key}", json={"changeset": {"timeout": timeout_ms}})

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        files: Sequence[tuple[str, tuple[str, bytes, str]]] | None = None,
        timeout: float | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> httpx.Response:
        """One request below `/v2` (PATH: `/jobs/activation`): GatewayUnavailable when it did
        not arrive, RequestRefused when the gateway turned it down (4xx)."""
        try:
            response = await (client or self.http).request(
                method,
                path,
                json=json,
                files=files,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(
                f"{method} {api_base(self.address)}{path}: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise GatewayUnavailable(f"{method} {path}: {_problem(response)}")
        if response.status_code >= 400:
            raise RequestRefused(response.status_code, f"{method} {path}: {_problem(response)}")
        return response


def _problem(response: httpx.Response) -> str:
    """Camunda's problem detail as one line: `404 NOT_FOUND: Expected to ...`."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code}: {response.text[:300]}"
    if not isinstance(body, dict):
        return f"{response.status_code}: {str(body)[:300]}"
    return f"{response.status_code} {body.get('title', '')}: {body.get('detail', '')}".strip()


def activated_job(job: Mapping[str, Any]) -> Job:
    """A job of `POST /v2/jobs/activation` as the job handler takes it (keys are strings
    in the REST API, numbers in gRPC)."""
    return Job(
        key=int(job["jobKey"]),
        type=job["type"],
        process_instance_key=int(job["processInstanceKey"]),
        bpmn_process_id=job["processDefinitionId"],
        process_definition_version=int(job["processDefinitionVersion"]),
        process_definition_key=int(job["processDefinitionKey"]),
        element_id=job["elementId"],
        element_instance_key=int(job["elementInstanceKey"]),
        custom_headers=dict(job.get("customHeaders") or {}),
        worker=job["worker"],
        retries=int(job["retries"]),
        deadline=int(job["deadline"]),
        variables=dict(job.get("variables") or {}),
        tenant_id=job.get("tenantId"),
    )
