"""Non-HTTP connectors the network-door tests drive, registered in the test process through a
test registry and in the Celery worker through an entry point (TEST_PLUGINS in
tests/services/celery_worker.py).

- `test:tcp-banner:1` connects through `context.network.connect`, sends an optional token line
  and returns the first line the server sends back; it records the exchange.
- `test:tcp-banner-async:1` does the same with `context.network.open_connection`.
"""

from __future__ import annotations

from connectorhub_sdk import JSON, ConnectorContext, connector
from pydantic import BaseModel, Field


class BannerInput(BaseModel):
    host: str = Field(description="Server host name or address")
    port: int = Field(description="Server port")
    token: str = Field(default="", description="Sent as `AUTH <token>` when given")


@connector(type="test:tcp-banner:1", name="TCP banner", input=BannerInput)
def tcp_banner(data: BannerInput, context: ConnectorContext) -> JSON:
    target = f"{data.host}:{data.port}"
    with context.network.exchange("tcp", target, "read the banner") as exchange:
        with context.network.connect(data.host, data.port, timeout=5) as sock:
            if data.token:
                sock.sendall(f"AUTH {data.token}\n".encode())
                exchange.request_body = f"AUTH {data.token}"
            line = sock.makefile("r").readline().strip()
        exchange.response_body = line
        exchange.status = "ok"
    return {"banner": line}


@connector(type="test:tcp-banner-async:1", name="TCP banner (async)", input=BannerInput)
async def tcp_banner_async(data: BannerInput, context: ConnectorContext) -> JSON:
    target = f"{data.host}:{data.port}"
    with context.network.exchange("tcp", target, "read the banner") as exchange:
        reader, writer = await context.network.open_connection(data.host, data.port, timeout=5)
        try:
            line = (await reader.readline()).decode().strip()
        finally:
            writer.close()
        exchange.response_body = line
        exchange.status = "ok"
    return {"banner": line}


ALL = [tcp_banner, tcp_banner_async]
