"""The SQL connector's exchange, kept so that a run can be replayed offline: the statement, its
parameters and the connector's answer (`{"resultSet": rows}` / `{"modifiedRows": n}`), and in
an offline replay (connectors.network.replay) the answer read back instead of a connection.

Replay is at the connector level: a database protocol has no seam like HTTP's transport, and
the statement with its parameters is what a test case pins down, not the wire messages."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, Exchange

from connectors.network.replay import replaying

MAX_RECORDED_BYTES = 262_144  # a larger answer is not kept (the run then cannot replay)


@dataclass(kw_only=True)
class SqlExchange(Exchange):
    """An Exchange with what a replay matches on (statement, parameters) and answers with."""

    statement: str = ""
    parameters: list[Any] = field(default_factory=list)
    result: JSON = None


@contextlib.contextmanager
def recorded(context: ConnectorContext, exchange: SqlExchange) -> Iterator[SqlExchange]:
    """Record EXCHANGE for the run page, timed, also when the block fails (as
    `context.network.exchange` does for a plain Exchange)."""
    started = time.perf_counter()
    try:
        yield exchange
    except BaseException as exc:
        exchange.error = str(exc) or type(exc).__name__
        raise
    finally:
        exchange.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        context.exchanges.record(exchange)


def plain(values: list[Any]) -> list[Any]:
    """Bound parameters as JSON (dates and decimals as text)."""
    loaded: list[Any] = json.loads(json.dumps(values, default=str))
    return loaded


def answer(
    context: ConnectorContext, exchange: SqlExchange, live: Callable[[], list[Any] | int]
) -> dict[str, JSON]:
    """The connector's answer: from the recording in an offline replay, else LIVE's rows or
    count; kept in EXCHANGE when small enough to store."""
    replay = replaying(context.address_policy)
    if replay is not None:
        result: dict[str, JSON] = replay.answer_sql(
            exchange.protocol, exchange.target, exchange.statement, exchange.parameters,
            context.redact,
        )  # fmt: skip
    else:
        rows = live()
        result = {"modifiedRows": rows} if isinstance(rows, int) else {"resultSet": rows}
    if len(json.dumps(result, default=str)) <= MAX_RECORDED_BYTES:
        exchange.result = result
    return result
