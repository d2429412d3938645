"""The hub shows its live worker: heartbeat rows, counts of the last hour, the last error.

The first tests need only the database; the last runs `manage.py zeebe_worker`'s own worker
(`build_worker`) against the gateway (the test engine, or ZEEBE_ADDRESS), with a secret from the
hub's database, and reads the status page.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone
from pyzeebe import ZeebeClient, create_insecure_channel

from connectors.management.commands.zeebe_worker import build_worker, worker_config_from
from connectors.models import ZeebeWorkerStatus
from connectors.status.health import check_live_workers
from connectors.zeebe import LastError
from tests.concurrency import run_concurrently
from tests.zeebe.conftest import WorkerTransport
from tests.zeebe.harness import deploy, unique
from tests.zeebe.processes import task_process

NOOP = "io.connectorhub:noop:1"


def heartbeat(name: str = "w1", **overrides: Any) -> ZeebeWorkerStatus:
    arguments: dict[str, Any] = {
        "name": name,
        "address": "127.0.0.1:26500",
        "job_types": [NOOP],
        "connected": True,
        "started_at": timezone.now(),
        "stopped": False,
        "counts": {},
    }
    return ZeebeWorkerStatus.record_heartbeat(**{**arguments, **overrides})


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


@pytest.mark.django_db
def test_counts_add_up_across_heartbeats_and_restarts_and_keep_one_hour() -> None:
    now = timezone.now()
    old = minute_of(now - timedelta(minutes=90))
    heartbeat(counts={minute_of(now): {"completed": 3, "failed": 1}, old: {"completed": 50}})
    # The same worker name after a restart: its counts add to the hour's.
    row = heartbeat(counts={minute_of(now): {"completed": 2, "bpmn_error": 1}})

    assert row.last_hour() == {"completed": 5, "failed": 1, "bpmn_error": 1}
    assert str(old) not in row.minute_counts


@pytest.mark.django_db(transaction=True)
def test_heartbeats_of_workers_writing_at_once_all_count() -> None:
    """Several workers (one row each, and two sharing a name) beat at the same moment on the
    shared SQLite file: none fails with "database is locked", every count is kept."""
    now = minute_of(timezone.now())
    errors = run_concurrently(
        lambda worker, _: heartbeat(f"w{worker % 3}", counts={now: {"completed": 1}}),
        threads=6,
        rounds=10,
    )

    assert errors == []
    completed = {row.name: row.last_hour()["completed"] for row in ZeebeWorkerStatus.objects.all()}
    assert completed == {"w0": 20, "w1": 20, "w2": 20}


@pytest.mark.django_db
def test_a_silent_or_stopped_worker_is_not_live(settings: Any) -> None:
    settings.ZEEBE_ADDRESS = "127.0.0.1:26500"
    heartbeat()
    assert check_live_workers().ok

    ZeebeWorkerStatus.objects.update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    silent = check_live_workers()
    assert not silent.ok and "no Zeebe worker is running" in silent.detail
    assert silent.workers[0].state == "stopped"

    heartbeat(stopped=True)
    assert not check_live_workers().ok


@pytest.mark.django_db
def test_no_worker_is_fine_when_zeebe_is_not_configured(settings: Any) -> None:
    settings.ZEEBE_ADDRESS = ""
    status = check_live_workers()
    expected = "neither CAMUNDA_REST_ADDRESS nor CAMUNDA_GRPC_ADDRESS (ZEEBE_ADDRESS) is set"
    assert status.ok and expected in status.detail


@pytest.mark.django_db
def test_only_a_newer_error_replaces_the_last_one() -> None:
    now = datetime.now(UTC)
    heartbeat(last_error=LastError(now, "new", "a:1"))
    row = heartbeat(last_error=LastError(now - timedelta(minutes=1), "older", "b:1"))
    assert (row.last_error, row.last_error_job_type) == ("new", "a:1")


@pytest.mark.django_db
def test_worker_options_override_settings_and_bad_values_are_named(settings: Any) -> None:
    settings.ZEEBE_WORKER_MAX_JOBS_ACTIVE = 8
    config = worker_config_from({"job_timeout": 12.5, "fetch_variables": [f"{NOOP}=*"]})
    assert (config.max_jobs_active, config.job_timeout_ms) == (8, 12_500)
    assert config.fetch_variables == {NOOP: []}
    with pytest.raises(ValueError, match="max jobs active must be at least 1"):
        worker_config_from({"max_jobs_active": 0})
    with pytest.raises(ValueError, match="expected TYPE=var1,var2"):
        worker_config_from({"fetch_variables": ["no-equals-sign"]})
    settings.ZEEBE_ADDRESS = ""
    with pytest.raises(ValueError, match="no gateway: set CAMUNDA_GRPC_ADDRESS or ZEEBE_ADDRESS"):
        build_worker({})


async def heartbeat_showing(worker: Any, name: str, outcome: str) -> Any:
    """The live-worker check once WORKER has counted an OUTCOME job and then stored two
    heartbeats (one under way at that moment may have missed it). Events, not seconds: a
    loaded machine is slower at both; a hang is pytest-timeout's."""
    while not worker.state.stats.totals.get(outcome):
        await asyncio.sleep(0.05)
    beats: set[Any] = set()
    while len(beats) < 3:  # the last one stored before, then two more
        rows = ZeebeWorkerStatus.objects.filter(name=name)
        beats.add(rows.values_list("heartbeat_at", flat=True).first())
        await asyncio.sleep(0.05)
    live = check_live_workers()
    assert any(w.name == name and w.last_hour.get(outcome) for w in live.workers), live
    return live


@pytest.mark.zeebe
@pytest.mark.django_db(transaction=True)
def test_the_status_page_shows_the_live_worker_its_counts_and_redacted_last_error(
    zeebe_address: str,
    tmp_path: Path,
    settings: Any,
    signed_in_client: Any,
    worker_transport: WorkerTransport,
) -> None:
    from connectors.secrets.services import secret_create

    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="DB_TOKEN", value="db-secret-4f1c")
    name = unique("status-test")
    rest = worker_transport.rest_address
    gateway = {"rest_address": rest} if rest else {"address": zeebe_address}
    worker = build_worker({**gateway, "job_types": [NOOP], "name": name})
    worker.config = dataclasses.replace(worker.config, heartbeat_interval=0.3)
    ok_process, bad_process = unique("status-ok"), unique("status-bad")

    async def scenario() -> tuple[Any, str]:
        channel = create_insecure_channel(grpc_address=zeebe_address)
        client = ZeebeClient(channel)
        await deploy(client, task_process(ok_process, NOOP), tmp_path, ok_process)
        bad = task_process(
            bad_process,
            NOOP,
            inputs={"echo": '="{{secrets.DB_TOKEN}}"'},
            headers={"errorExpression": '=jobError("token " + response.echo + " refused")'},
        )
        await deploy(client, bad, tmp_path, bad_process)
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        try:
            for _ in range(3):
                await client.run_process_with_result(ok_process, {}, timeout=60_000)
            failing = await client.run_process(bad_process, {})
            live = await heartbeat_showing(worker, name, "failed")
            page = signed_in_client.get("/status/").content.decode()
            await client.cancel_process_instance(failing.process_instance_key)
        finally:
            stop.set()
            await serving
            await channel.close()
        return live, page

    live, page = asyncio.run(scenario())

    (summary,) = [w for w in live.workers if w.name == name]
    assert summary.connected and summary.job_types == [NOOP]
    # The transport, and over REST the gateway's version from its topology.
    expected = f"REST {rest} (gateway " if rest else f"gRPC {zeebe_address}"
    assert summary.address.startswith(expected) and summary.address in page
    # /healthz names the transport and the last error too (the live-worker line).
    assert f"to {summary.address}," in live.detail and "last error: token ***" in live.detail
    assert summary.last_hour == {"completed": 3, "failed": 1, "bpmn_error": 0}
    assert summary.last_error.startswith("token *** refused | Error variables:")
    assert summary.last_error_job_type == NOOP
    assert name in page and "connected" in page and "3 completed" in page
    assert "token *** refused" in page and "db-secret-4f1c" not in page
    row = ZeebeWorkerStatus.objects.get(name=name)
    assert row.stopped_at is not None and not row.connected
