"""Discovery and lifecycle: processes deployed in Camunda (the test engine, searched over REST as
Camunda 8.8+ answers) become active inbound elements; a new version hot-swaps, a removal
deactivates, elements with one deduplication id share one executable, and an element that
cannot run is DOWN with the reason until the cause goes."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.inbound.discovery import discover
from connectors.inbound.tasks import DISCOVER_TASK, discover_inbound
from connectors.models import ElementState, InboundElement, InboundProcess
from connectors.secrets.services import secret_create
from tests.inbound.conftest import ECHO, QUEUE, Camunda
from tests.inbound.processes import catch_event_process, start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]


def webhook_properties(path: str, **extra: str) -> dict[str, str]:
    return {"inbound.type": ECHO, "inbound.context": path, **extra}


def states() -> dict[tuple[str, int, str], tuple[str, str]]:
    return {
        (row.process.process_id, row.process.version, row.element_id): (row.state, row.reason)
        for row in InboundElement.objects.select_related("process")
    }


def test_a_deployed_process_activates_and_new_versions_and_removals_follow(
    camunda: Camunda, test_connectors: None
) -> None:
    first = camunda.deploy("orders.bpmn", start_event_process("orders", webhook_properties("o")))
    report = discover()
    assert report is not None and report.new == ["orders v1"]
    row = InboundElement.objects.get()
    assert (row.state, row.kind, row.context_path, row.connector_kind) == (
        ElementState.ACTIVE, "startEvent", "o", "webhook",
    )  # fmt: skip
    assert InboundProcess.objects.get().xml.startswith("<?xml")  # read back over REST
    discover()  # nothing new: the row is left as it is (its webhook keeps its executable)
    assert InboundElement.objects.get().updated_at == row.updated_at

    second = camunda.deploy("orders.bpmn", start_event_process("orders", webhook_properties("o")))
    discover()
    assert states() == {
        ("orders", 1, "start"): (ElementState.INACTIVE, "replaced by version 2"),
        ("orders", 2, "start"): (ElementState.ACTIVE, ""),
    }

    # Camunda's latest version after a deletion is the one before it: it serves again.
    camunda.engine.instances.delete(second.key)
    discover()
    assert states()[("orders", 1, "start")] == (ElementState.ACTIVE, "")
    assert states()[("orders", 2, "start")][0] == ElementState.INACTIVE

    camunda.engine.instances.delete(first.key)
    discover()
    assert {state for state, _ in states().values()} == {ElementState.INACTIVE}
    assert states()[("orders", 1, "start")][1] == "its process was removed"
    assert discover().new == []  # type: ignore[union-attr]  # nothing read twice


def test_elements_with_one_deduplication_id_share_one_executable(
    camunda: Camunda, test_connectors: None
) -> None:
    auto = {"inbound.type": QUEUE, "inbound.queue": "q1", "deduplicationMode": "AUTO"}
    other_queue = {**auto, "inbound.queue": "q2"}
    manual = {
        "inbound.type": QUEUE, "inbound.queue": "q3", "deduplicationMode": "MANUAL",
        "deduplicationId": "shared",
    }  # fmt: skip
    elements = {
        "a": {**auto, "correlationKeyExpression": "=message.id"},
        "b": {**auto, "correlationKeyExpression": "=message.orderId", "resultVariable": "x"},
        "c": {**other_queue, "correlationKeyExpression": "=message.id"},
        "d": {**manual, "correlationKeyExpression": "=message.id"},
        "e": {**manual, "inbound.queue": "q4", "correlationKeyExpression": "=message.id"},
    }
    camunda.deploy("paid.bpmn", catch_event_process("paid", "order-paid", elements))
    discover()
    rows = {row.element_id: row for row in InboundElement.objects.all()}
    assert {row.state for row in rows.values()} == {ElementState.ACTIVE}
    # AUTO: the runtime's own properties (keys, result) do not split an executable
    assert rows["a"].deduplication_id == rows["b"].deduplication_id
    assert rows["c"].deduplication_id != rows["a"].deduplication_id
    # MANUAL: the given id, whatever the properties
    assert rows["d"].deduplication_id == rows["e"].deduplication_id
    assert len({row.deduplication_id for row in rows.values()}) == 3


def test_an_element_that_cannot_run_is_down_with_the_reason_and_recovers(
    camunda: Camunda, test_connectors: None, settings: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    camunda.deploy("a.bpmn", start_event_process("unknown", {"inbound.type": "acme:nothing:1"}))
    camunda.deploy(
        "b.bpmn",
        start_event_process(
            "secret", webhook_properties("s", **{"inbound.token": "{{secrets.HOOK_TOKEN}}"})
        ),
    )
    camunda.deploy(
        "c.bpmn",
        catch_event_process("nokey", "m", {"wait": {"inbound.type": QUEUE, "inbound.queue": "q"}}),
    )
    camunda.deploy("d.bpmn", start_event_process("nopath", {"inbound.type": ECHO}))
    camunda.deploy("e.bpmn", start_event_process("taken", webhook_properties("s")))
    discover()
    found = {key[0]: value for key, value in states().items()}
    assert found["unknown"] == (
        ElementState.DOWN,
        "No inbound connector is registered for inbound.type 'acme:nothing:1'",
    )
    assert found["secret"][0] == ElementState.DOWN and "HOOK_TOKEN" in found["secret"][1]
    assert found["nokey"] == (
        ElementState.DOWN,
        "Missing required property correlationKeyExpression",
    )
    assert found["nopath"][0] == ElementState.DOWN and "inbound.context" in found["nopath"][1]
    # the path is free while the other element is down: this one has it
    assert found["taken"] == (ElementState.ACTIVE, "")

    secret_create(name="HOOK_TOKEN", value="t0ps3cret")
    discover()
    found = {key[0]: value for key, value in states().items()}
    assert found["secret"][0] == ElementState.DOWN  # now the path is held by "taken"
    assert found["secret"][1] == "the webhook path 's' is already used by another element"
    assert "t0ps3cret" not in str(list(InboundElement.objects.values()))


def test_the_beat_task_discovers_and_an_unreachable_engine_changes_nothing(
    camunda: Camunda, test_connectors: None, settings: Any
) -> None:
    camunda.deploy("o.bpmn", start_event_process("orders", webhook_properties("o")))
    discover_inbound()
    assert states() == {("orders", 1, "start"): (ElementState.ACTIVE, "")}

    camunda.down()
    discover_inbound()  # logged, not raised; the active elements keep running
    assert states() == {("orders", 1, "start"): (ElementState.ACTIVE, "")}

    settings.CAMUNDA_REST_ADDRESS = ""
    assert discover() is None  # no Camunda 8.8+ to ask: hub deployments only


def _beat_tasks(env: dict[str, str]) -> list[str]:
    """The periodic tasks the settings schedule with ENV (a fresh interpreter: settings are
    read once)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'connectorhub.settings'; "
        "from django.conf import settings; "
        "print(' '.join(e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values()))"
    )
    env = {**os.environ, **env}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_beat_polls_for_definitions_only_when_camunda_rest_is_configured(tmp_path: Any) -> None:
    data = {"CONNECTORHUB_DATA_DIR": str(tmp_path)}
    assert DISCOVER_TASK in _beat_tasks({**data, "CAMUNDA_REST_ADDRESS": "http://127.0.0.1:1"})
    assert DISCOVER_TASK not in _beat_tasks({**data, "CAMUNDA_REST_ADDRESS": ""})
