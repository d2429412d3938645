"""The exchange trace: what a connector exchanged with other systems, in any protocol, as the run
page shows it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(kw_only=True)
class Exchange:
    """One exchange with another system, in any protocol, as the run page shows it.

    `protocol` (`http`, `smtp`, `tcp`, ...), `target` (where: a URL, `host:port`), `summary`
    (one line, e.g. `EHLO hub.example`), the bodies where the protocol has them, `status` (what
    the other side answered: an HTTP status, an SMTP reply code, `ok`; None when nothing came
    back), `error`, `duration_ms`. Connectors record these through `context.exchanges` (or
    `context.network.exchange(...)`); the runtime redacts secrets and truncates bodies before an
    exchange is stored.
    """

    protocol: str
    target: str
    summary: str = ""
    request_body: str | None = None
    response_body: str | None = None
    status: int | str | None = None
    duration_ms: float | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(kw_only=True)
class HttpExchange(Exchange):
    """An HTTP request and its response (or error): an Exchange with method, URL and headers."""

    method: str
    url: str
    protocol: str = "http"
    target: str = ""
    request_headers: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.target = self.target or self.url
        self.summary = self.summary or f"{self.method} {self.url}"


class ExchangeRecorder:
    """Collects the exchanges of one run, in order."""

    def __init__(self) -> None:
        self._exchanges: list[Exchange] = []

    def record(self, exchange: Exchange) -> None:
        self._exchanges.append(exchange)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(list(self._exchanges))

    def __len__(self) -> int:
        return len(self._exchanges)


__all__ = ["Exchange", "ExchangeRecorder", "HttpExchange"]
