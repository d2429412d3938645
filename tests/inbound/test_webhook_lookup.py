"""The webhook endpoint keeps the elements of a path between requests (webhooks._active_rows):
an unchanged path is answered without reading its elements again, and every change of an
element (a new version, a deletion, a removal, a failed activation) is followed by the next
request, never by a later one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from connectors.inbound.discovery import discover
from connectors.models import InboundElement
from tests.inbound.conftest import ECHO, Camunda
from tests.inbound.processes import start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]


def post(path: str) -> Any:
    return Client().post(path, json.dumps({"id": 7}), content_type="application/json")


def element_reads(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read elements' rows (not the one that checks whether any changed)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "inboundelement" in q["sql"] and "COUNT(" not in q["sql"]
    ]


def versions_started(camunda: Camunda) -> list[int]:
    instances = camunda.engine.instances.by_key.values()
    return sorted(instance.process.version for instance in instances)


def test_an_unchanged_path_is_not_read_again(camunda: Camunda, test_connectors: None) -> None:
    hook = {"inbound.type": ECHO, "inbound.context": "orders"}
    camunda.deploy("o.bpmn", start_event_process("orders", hook))
    discover()
    assert post("/inbound/orders").status_code == 202
    with CaptureQueriesContext(connection) as queries:
        assert post("/inbound/orders").status_code == 202
    assert element_reads(queries) == []
    assert len(camunda.engine.instances.by_key) == 2


def test_the_next_request_follows_every_change_of_the_paths_elements(
    camunda: Camunda, test_connectors: None
) -> None:
    hook = {"inbound.type": ECHO, "inbound.context": "orders"}
    first = camunda.deploy("o.bpmn", start_event_process("orders", hook))
    discover()
    assert post("/inbound/orders").status_code == 202

    second = camunda.deploy("o.bpmn", start_event_process("orders", hook))
    discover()
    assert post("/inbound/orders").status_code == 202
    assert versions_started(camunda) == [1, 2]  # the new version at once

    camunda.engine.instances.delete(second.key)
    discover()
    assert post("/inbound/orders").status_code == 202
    assert versions_started(camunda) == [1, 1, 2]  # the version before it serves again

    # a failed activation (as a sync records it) takes the path away at once
    InboundElement.objects.filter(state="ACTIVE").get().save()  # a save alone changes nothing
    assert post("/inbound/orders").status_code == 202
    row = InboundElement.objects.get(state="ACTIVE")
    row.activation_error = "the secret HOOK_TOKEN is missing"
    row.save()
    assert post("/inbound/orders").status_code == 404
    row.activation_error = ""
    row.save()
    assert post("/inbound/orders").status_code == 202

    camunda.engine.instances.delete(first.key)
    discover()
    assert post("/inbound/orders").status_code == 404  # removed: no element at the path
