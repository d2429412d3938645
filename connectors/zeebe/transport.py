"""One connection to the gateway, over gRPC or REST, as the supervised worker uses it.

`open_connection(gateway)` gives a `Connection`: `answers()` is the heartbeat (Topology),
`worker(router, ...)` the job worker serving the router's tasks over that transport (pyzeebe's
`ZeebeWorker` over gRPC, `RestJobWorker` over REST; both give each job to the same
`ConnectorJobHandler`), `description` what the status page shows (transport, address and,
over REST, the gateway's version).
"""

from typing import Protocol

import grpc
from pyzeebe import ZeebeTaskRouter, ZeebeWorker

from connectors.zeebe.client import rest_gateway
from connectors.zeebe.gateway import GatewayConfig, gateway_answers
from connectors.zeebe.rest_worker import RestJobWorker
from connectors.zeebe.routing import bind_channel


class JobWorker(Protocol):
    async def work(self) -> None: ...

    async def stop(self) -> None: ...


class Connection(Protocol):
    @property
    def description(self) -> str: ...

    async def answers(self, timeout: float = 3.0) -> str | None: ...

    def worker(
        self,
        router: ZeebeTaskRouter,
        *,
        name: str,
        request_timeout_ms: int,
        poll_interval: float,
        stream: bool,
    ) -> JobWorker: ...

    async def close(self) -> None: ...


class GrpcConnection:
    def __init__(self, gateway: GatewayConfig) -> None:
        self.gateway = gateway
        self.channel: grpc.aio.Channel = gateway.channel()

    @property
    def description(self) -> str:
        return f"gRPC {self.gateway.display_address}"

    async def answers(self, timeout: float = 3.0) -> str | None:
        return await gateway_answers(self.channel, timeout=timeout)

    def worker(
        self,
        router: ZeebeTaskRouter,
        *,
        name: str,
        request_timeout_ms: int,
        poll_interval: float,
        stream: bool,
    ) -> JobWorker:
        worker = ZeebeWorker(
            self.channel,
            name=name,
            request_timeout=request_timeout_ms,
            # pyzeebe's own give-up would leave a silent idle worker; the supervisor decides.
            max_connection_retries=-1,
            poll_retry_delay=poll_interval,  # type: ignore[arg-type]
            stream_enabled=stream,
        )
        worker.include_router(bind_channel(router, self.channel))
        return worker

    async def close(self) -> None:
        await self.channel.close()


class RestConnection:
    def __init__(self, gateway: GatewayConfig) -> None:
        self.gateway = gateway
        self.rest = rest_gateway(gateway)

    @property
    def description(self) -> str:
        version = f" (gateway {self.rest.gateway_version})" if self.rest.gateway_version else ""
        return f"REST {self.gateway.rest_address}{version}"

    async def answers(self, timeout: float = 3.0) -> str | None:
        return await self.rest.answers(timeout)

    def worker(
        self,
        router: ZeebeTaskRouter,
        *,
        name: str,
        request_timeout_ms: int,
        poll_interval: float,
        stream: bool,
    ) -> JobWorker:
        # Job streaming is a gRPC feature; over REST the worker long-polls, and polls again
        # as soon as a slot frees (POLL_INTERVAL is pyzeebe's re-check, which REST needs not).
        return RestJobWorker(self.rest, router, name=name, request_timeout_ms=request_timeout_ms)

    async def close(self) -> None:
        await self.rest.close()


def open_connection(gateway: GatewayConfig) -> Connection:
    if gateway.transport == "rest":
        return RestConnection(gateway)
    return GrpcConnection(gateway)
