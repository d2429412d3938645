"""The inbound runtime's way to the engine: `CamundaClient` over REST, or `GrpcCamunda` (same
methods) over gRPC as the live worker's settings choose (GatewayConfig.transport), called from
sync code.

Webhook views and consumer threads are synchronous; the client is asyncio. One event loop on a
daemon thread per process keeps one client (and its kept-alive connections) for every call,
instead of a loop and a connection pool per event. The client follows the settings of the live
worker (`gateway_from_settings`): a change of address (a test's engine) builds a new one.

Over gRPC there is no search of process definitions nor their XML, and no synchronous message
correlation: discovery and `synchronousResponse` on a message element need REST
(docs/inbound.md).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from connectors.inbound.grpc_engine import GrpcCamunda
from connectors.management.commands.zeebe_worker import gateway_from_settings
from connectors.zeebe.client import CamundaClient
from connectors.zeebe.gateway import GatewayConfig

T = TypeVar("T")
# what ACTION gets: both answer the inbound runtime's calls alike; Any because discovery's
# search and XML exist only over REST (discover() asks only when CAMUNDA_REST_ADDRESS is set)
Engine = Any


class EngineNotConfigured(RuntimeError):
    """Neither a REST nor a gRPC address of the engine is set."""


def gateway() -> GatewayConfig:
    # The live worker's command owns how settings become a GatewayConfig: one place for both.
    return gateway_from_settings()


def configured_engine() -> str:
    """The engine inbound connectors reach, as the Inbound page names it; "" when none is set."""
    config = gateway()
    if not (config.rest_address or config.address or config.cluster_id):
        return ""
    return config.display_address


class EngineDoor:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Engine | None = None
        self._config: GatewayConfig | None = None
        self._lock = threading.Lock()

    def call(self, action: Callable[[Engine], Awaitable[T]], timeout: float = 60) -> T:
        """ACTION(client) on the door's loop; its exceptions are raised here."""
        config = gateway()
        if not (config.rest_address or config.address or config.cluster_id):
            raise EngineNotConfigured(
                "neither CAMUNDA_REST_ADDRESS nor CAMUNDA_GRPC_ADDRESS (ZEEBE_ADDRESS) is set: "
                "inbound connectors have no engine to reach"
            )
        loop = self._running_loop()

        async def run() -> T:
            return await action(await self._client_for(config))

        future: Future[T] = asyncio.run_coroutine_threadsafe(run(), loop)
        return future.result(timeout)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="inbound-engine-door", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    async def _client_for(self, config: GatewayConfig) -> Engine:
        # runs on the door's loop only, so no lock is needed around the swap
        if self._client is None or self._config != config:
            if self._client is not None:
                await self._client.close()
            self._client, self._config = _client(config), config
        return self._client


def _client(config: GatewayConfig) -> Engine:
    # the live worker's rule: REST when its address is set and gRPC's is not or REST is preferred
    if config.transport == "rest":
        return CamundaClient.from_config(config)
    return GrpcCamunda(config)


_door = EngineDoor()


def engine_call(action: Callable[[Engine], Awaitable[T]], timeout: float = 60) -> T:
    return _door.call(action, timeout)
