"""Liveness of the parts the hub depends on: database, Redis, Celery workers, Zeebe, and the
live Zeebe workers' heartbeats.

Each check is bounded by a short timeout so that /healthz answers quickly even when a
component hangs. The network probes (Redis, Celery workers, Zeebe) are cached for
PROBE_CACHE_SECONDS: asking the workers always waits the whole ping timeout, and the footer of
every page and a load balancer's health check would otherwise pay that second each time.
Components that are not configured are reported as such (`configured=False`); they count as
healthy, as before. Details (addresses, host names, errors) are for signed-in users only: anyone
may ask /healthz, so it answers them with each component's state alone (`states`).
"""

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from connectorhub.celery import app
from connectors.status.models import ZeebeWorkerStatus

if TYPE_CHECKING:  # the module itself loads grpc; only a Zeebe check may
    from connectors.zeebe.gateway import GatewayConfig

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 1.0
# How long a network probe's answer is reused (the HEALTH_PROBE_CACHE_SECONDS setting may change
# it); the status page says so.
PROBE_CACHE_SECONDS = 5
# How often each cached probe really ran in this process (what the cache saves is visible).
probe_calls: Counter[str] = Counter()


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    ok: bool
    detail: str
    configured: bool = True

    @property
    def state(self) -> str:
        """What the page shows: "up", "down" or "not configured"."""
        if not self.configured:
            return "not configured"
        return "up" if self.ok else "down"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def check_database() -> ComponentStatus:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "down"; the detail says why
        return ComponentStatus("database", False, str(exc))
    return ComponentStatus("database", True, connection.vendor)


def check_redis() -> ComponentStatus:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return ComponentStatus("redis", False, f"{_redacted_url(settings.REDIS_URL)}: {exc}")
    finally:
        client.close()
    return ComponentStatus("redis", True, _redacted_url(settings.REDIS_URL))


def check_worker() -> ComponentStatus:
    try:
        replies = app.control.ping(timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises several unrelated types when Redis is gone
        return ComponentStatus("worker", False, f"cannot ask the workers: {exc}")
    if not replies:
        return ComponentStatus("worker", False, "no Celery worker answered")
    names = sorted(name for reply in replies for name in reply)
    return ComponentStatus("worker", True, ", ".join(names))


NOT_CONFIGURED = (
    "not configured (neither CAMUNDA_REST_ADDRESS nor CAMUNDA_GRPC_ADDRESS (ZEEBE_ADDRESS) is set)"
)


def check_zeebe() -> ComponentStatus:
    """The gateway the live worker would use, over the transport it would choose."""
    if not (settings.ZEEBE_ADDRESS or settings.CAMUNDA_REST_ADDRESS):
        return ComponentStatus("zeebe", True, NOT_CONFIGURED, configured=False)
    # grpc and pyzeebe load only when a Zeebe gateway is checked, not in every web process
    from connectors.management.commands.zeebe_worker import gateway_from_settings

    gateway = gateway_from_settings()
    if gateway.transport == "rest":
        return check_zeebe_rest(gateway)
    return check_zeebe_grpc(gateway.address)


def check_zeebe_grpc(address: str) -> ComponentStatus:
    import grpc  # loaded on a Zeebe check only, as above

    channel = grpc.insecure_channel(address)
    try:
        grpc.channel_ready_future(channel).result(timeout=CHECK_TIMEOUT_SECONDS)
    except grpc.FutureTimeoutError:
        return ComponentStatus("zeebe", False, f"gateway {address} did not answer")
    finally:
        channel.close()
    return ComponentStatus("zeebe", True, f"gateway {address} reachable")


def check_zeebe_rest(gateway: "GatewayConfig") -> ComponentStatus:
    """GET /v2/topology with the worker's own authentication; names the gateway's version."""
    import asyncio

    from connectors.zeebe.transport import RestConnection  # grpc and pyzeebe too, as above

    address = gateway.rest_address

    async def ask() -> tuple[str | None, str]:
        connection = RestConnection(gateway)
        try:
            return await connection.answers(CHECK_TIMEOUT_SECONDS), connection.rest.gateway_version
        finally:
            await connection.close()

    problem, version = asyncio.run(ask())
    if problem is not None:
        return ComponentStatus("zeebe", False, f"REST gateway {address} did not answer: {problem}")
    return ComponentStatus("zeebe", True, f"REST gateway {address} reachable, version {version}")


@dataclass(frozen=True)
class LiveWorkersStatus(ComponentStatus):
    """The live Zeebe workers (`manage.py zeebe_worker`), one summary each, for the page."""

    workers: tuple[Any, ...] = field(default=(), compare=False)


def check_live_workers() -> LiveWorkersStatus:
    """OK when a worker is connected (or none is expected: ZEEBE_ADDRESS unset and every worker
    that still reports is connected)."""
    from django.db import DatabaseError

    expected = bool(settings.ZEEBE_ADDRESS or settings.CAMUNDA_REST_ADDRESS)
    try:
        workers = tuple(row.summary() for row in ZeebeWorkerStatus.objects.all()[:20])
    except DatabaseError as exc:  # e.g. not migrated yet: only a problem when a worker is expected
        detail = f"cannot read the worker status: {exc}"
        return LiveWorkersStatus("live worker", not expected, detail, expected)
    live = [w for w in workers if w.live]
    if not live and not expected:
        detail = f"{NOT_CONFIGURED}; no Zeebe worker is running"
        return LiveWorkersStatus("live worker", True, detail, False, workers)
    if not live:
        return LiveWorkersStatus("live worker", False, "no Zeebe worker is running", True, workers)
    ok = all(w.connected for w in live)
    detail = " · ".join(_worker_line(w) for w in live)
    return LiveWorkersStatus("live worker", ok, detail, True, workers)


def _worker_line(worker: Any) -> str:
    hour = worker.last_hour
    return (
        f"{worker.name} {worker.state} to {worker.address}, {len(worker.job_types)} job types; "
        f"last hour: {hour['completed']} completed, {hour['failed']} failed, "
        f"{hour['bpmn_error']} BPMN errors"
        + (f"; last error: {worker.last_error}" if worker.last_error else "")
    )


def cached_probe(name: str, check: Callable[[], ComponentStatus]) -> ComponentStatus:
    """`check()`'s answer, reused for PROBE_CACHE_SECONDS. The key holds the settings the probes
    read, so a changed address is asked afresh instead of answered from the old one."""
    key = f"health:{name}:{_settings_fingerprint()}"
    try:
        cached = cache.get(key)
    except Exception:  # a cache backend that is down must not take the health check with it
        cached = None
    if isinstance(cached, ComponentStatus):
        return cached
    probe_calls[name] += 1
    status = check()
    try:
        cache.set(key, status, probe_cache_seconds())
    except Exception as exc:  # as above: answer uncached
        logger.warning("health: cannot cache the %s probe: %s", name, exc)
    return status


def probe_cache_seconds() -> int:
    return int(getattr(settings, "HEALTH_PROBE_CACHE_SECONDS", PROBE_CACHE_SECONDS))


def _settings_fingerprint() -> str:
    parts = (
        settings.REDIS_URL,
        settings.ZEEBE_ADDRESS,
        settings.CAMUNDA_REST_ADDRESS,
        str(settings.CAMUNDA_PREFER_REST),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def system_status() -> list[ComponentStatus]:
    """Every component's status; the database and the worker heartbeats (rows in the database)
    are read each time, the network probes come through `cached_probe`."""
    checks = [check_database(), cached_probe("redis", check_redis)]
    # Asking for workers needs the broker; skip the wait when Redis is already down.
    checks.append(
        cached_probe("worker", check_worker)
        if checks[-1].ok
        else ComponentStatus("worker", False, "Redis is down")
    )
    checks.append(cached_probe("zeebe", check_zeebe))
    if checks[0].ok:
        checks.append(check_live_workers())
    return checks


def states(checks: list[ComponentStatus]) -> dict[str, str]:
    """`{component: "ok" | "error"}`: what /healthz tells anonymous callers."""
    return {check.name: "ok" if check.ok else "error" for check in checks}


# Query parameters whose value is a credential, e.g. redis://host/0?password=...
_SECRET_PARAMETER = re.compile(r"pass|secret|token|key|auth|credential", re.IGNORECASE)


def _redacted_url(url: str) -> str:
    """The URL for display: user name, password and secret-looking query values as `***`."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "&".join(
        f"{name}=***" if _SECRET_PARAMETER.search(name) else f"{name}={value}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))
