"""The worker as a process (`manage.py engine7_worker`), killed with SIGKILL in the middle of a
batch of 200 tasks on the real engine and started again: every instance completes with its
own result, and no task is completed twice (the engine's external task log)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from connectors.models import ZeebeWorkerStatus
from tests.engine7.conftest import REST, external_task_process, unique
from tests.services.celery_worker import database_url
from tests.services.http_servers import RecordingServer, Reply
from tests.services.operaton import BASE_DIR, EngineRest, Operaton

pytestmark = [pytest.mark.xdist_group("operaton"), pytest.mark.django_db(transaction=True)]

INSTANCES = 200
LOCK_SECONDS = "3"  # the killed worker's tasks come back after this


@contextmanager
def worker_process(
    engine: Operaton, log: Path, worker_id: str
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CAMUNDA7_REST_ADDRESS": engine.url,
        "CAMUNDA7_BASIC_AUTH_USERNAME": engine.user,
        "CAMUNDA7_BASIC_AUTH_PASSWORD": engine.password,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "manage.py",
        "engine7_worker",
        "--job-type",
        REST,
        "--worker-id",
        worker_id,
        "--lock-duration",
        LOCK_SECONDS,
        "--long-poll",
        "2",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_sigkill_in_the_middle_of_200_tasks_loses_none_and_completes_none_twice(
    engine: EngineRest, operaton_engine: Operaton, tmp_path: Path
) -> None:
    with RecordingServer() as server:
        server.route("/item", lambda request: Reply(json=dict(request.query), delay=0.05))
        process_id = unique("c7-batch")
        engine.deploy(
            process_id,
            external_task_process(
                process_id,
                REST,
                inputs={"method": "GET", "url": f"{server.url}/item?n=${{n}}"},
                properties={"resultVariable": "out"},
            ),
        )
        instances = {
            engine.start(process_id, {"n": {"type": "Integer", "value": n}}): n
            for n in range(INSTANCES)
        }

        def completed() -> int:
            return engine.count(
                "/history/process-instance", processDefinitionKey=process_id, completed="true"
            )

        with worker_process(operaton_engine, tmp_path / "first.log", "c7-first") as first:
            engine.wait_until(lambda: completed() >= 60, 180, "60 instances before the kill")
            first.send_signal(signal.SIGKILL)
            first.wait()
            # the tasks the dead worker held: locked under its id, waiting for the lock to expire
            held = engine._ok(engine.http.get("/external-task", params={"workerId": "c7-first"}))
        done_before = completed()
        assert done_before < INSTANCES, "the batch finished before the kill; nothing was tested"
        with worker_process(operaton_engine, tmp_path / "second.log", "c7-second") as second:
            engine.wait_until(lambda: completed() == INSTANCES, 300, "every instance completed")
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0
        calls = server.count("/item")

    results = _results(engine, process_id)
    assert {instance: results.get(instance) for instance in instances} == {
        instance: {"n": str(n)} for instance, n in instances.items()
    }
    # None twice: one successful completion per task in the engine's log, 200 in all.
    successes = engine.count(
        "/history/external-task-log", processDefinitionKey=process_id, successLog="true"
    )
    assert successes == INSTANCES
    # The tasks the first worker held when it died went to the second once their lock expired,
    # each once. A completion the first worker had sent before the kill may still have been on
    # its way through the engine when the held tasks were listed: that one stays the first's.
    assert held, "the first worker held no task when it was killed; nothing was tested"
    winners = []
    for task in held:
        log = engine.external_task_log(task["processInstanceId"])
        winners.append([e["workerId"] for e in log if e["successLog"]])
    assert all(len(w) == 1 for w in winners), winners
    assert ["c7-second"] in winners, winners
    assert calls >= INSTANCES
    # Who completed what, by the engine's log: the second worker's log lines and status row
    # say the same (a completion the engine refused is logged with its command_error).
    by_second = engine.count(
        "/history/external-task-log",
        processDefinitionKey=process_id,
        successLog="true",
        workerId="c7-second",
    )
    assert done_before <= INSTANCES - by_second < INSTANCES
    lines = [
        json.loads(line[line.index("{") :])
        for line in (tmp_path / "second.log").read_text().splitlines()
        if '"event":"external_task"' in line
    ]
    completed = [line for line in lines if line["outcome"] == "completed"]
    assert len([line for line in completed if "command_error" not in line]) == by_second
    second_row = ZeebeWorkerStatus.objects.get(name="c7-second")
    assert second_row.address.startswith("Camunda 7 REST ") and second_row.stopped_at is not None
    assert second_row.last_hour()["completed"] == len(completed)


def _results(engine: EngineRest, process_id: str) -> dict[str, Any]:
    """{instance id: the body of its `out` variable} from the history API."""
    found = engine._ok(
        engine.http.get(
            "/history/variable-instance",
            params={"processDefinitionKey": process_id, "variableName": "out"},
        )
    )
    return {v["processInstanceId"]: v["value"]["body"] for v in found}
