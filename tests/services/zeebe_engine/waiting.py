"""Process instances waiting at a message catch event, and the two searches that list them.

The engine runs no catch events, so a test puts an instance there (`wait_at`): an active
instance of the deployed process with its variables, and the subscription its catch event would
open (message name and correlation key) that also knows its element and element instance key.
`POST /v2/element-instances/search` lists those subscriptions still open as ACTIVE element
instances; `POST /v2/variables/search` lists an instance's variables, each value as JSON text
(Camunda's VariableSearchResult). Both are paged as the process definition search is (a
cursor `after` the previous page's `endCursor`). Requests and answers are checked against
rest-api.yaml by the REST face, as for every other endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .instances import Instance
from .messages import Subscription
from .rest_cluster import TENANT, Refused, _cursor, _string_filter
from .rest_cluster import _page as _cursor_page

if TYPE_CHECKING:
    from .engine import ZeebeTestEngine

STARTED = datetime(2026, 1, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def wait_at(
    engine: ZeebeTestEngine,
    process_id: str,
    element_id: str,
    message_name: str,
    correlation_key: str,
    variables: Mapping[str, Any],
) -> Subscription:
    """A new instance of PROCESS_ID's newest version waiting at ELEMENT_ID for MESSAGE_NAME
    with CORRELATION_KEY; its subscription (`messages` fills when a message correlates)."""
    with engine.store.lock:
        process = engine.instances.latest(process_id)
        key = engine.store.next_key()
        instance = Instance(key, process, dict(variables), visited=[element_id])
        engine.instances.by_key[key] = instance
        subscription = engine.messages.subscribe(message_name, correlation_key, key)
        subscription.element_id = element_id
        subscription.element_instance_key = engine.store.next_key()
        return subscription


def search_element_instances(engine: ZeebeTestEngine, body: dict[str, Any]) -> dict[str, Any]:
    """Filters on processDefinitionKey, elementId and state (only ACTIVE ones exist here)."""
    wanted = (body or {}).get("filter") or {}
    with engine.store.lock:
        items = [
            _element_instance(engine.instances.by_key[s.process_instance_key], s)
            for s in engine.messages.subscriptions
            if s.element_id and s.open() and s.process_instance_key in engine.instances.by_key
        ]
    checks = {
        "processDefinitionKey": lambda item, f: item["processDefinitionKey"] == f,
        "processInstanceKey": lambda item, f: item["processInstanceKey"] == f,
        "elementId": lambda item, f: item["elementId"] == f,
        "state": lambda item, f: _string_filter(f, item["state"]),
    }
    return _page([i for i in items if _passes(i, wanted, checks)], body, "elementInstanceKey")


def search_variables(engine: ZeebeTestEngine, body: dict[str, Any]) -> dict[str, Any]:
    """Filters on processInstanceKey (and name); every variable is at the instance's scope."""
    wanted = (body or {}).get("filter") or {}
    with engine.store.lock:
        items = [
            {
                "name": name,
                "value": json.dumps(value),
                "isTruncated": False,
                "tenantId": TENANT,
                "variableKey": str(instance.key * 1000 + index),
                "scopeKey": str(instance.key),
                "processInstanceKey": str(instance.key),
            }
            for instance in engine.instances.by_key.values()
            for index, (name, value) in enumerate(instance.variables.items())
        ]
    checks = {
        "processInstanceKey": lambda item, f: _string_filter(f, item["processInstanceKey"]),
        "name": lambda item, f: _string_filter(f, item["name"]),
    }
    return _page([i for i in items if _passes(i, wanted, checks)], body, "variableKey")


def _element_instance(instance: Instance, subscription: Subscription) -> dict[str, Any]:
    return {
        "processDefinitionId": instance.process.id,
        "startDate": STARTED,
        "elementId": subscription.element_id,
        "elementName": subscription.element_id,
        "type": "INTERMEDIATE_CATCH_EVENT",
        "state": "ACTIVE",
        "hasIncident": False,
        "tenantId": TENANT,
        "elementInstanceKey": str(subscription.element_instance_key),
        "processInstanceKey": str(instance.key),
        "processDefinitionKey": str(instance.process.key),
    }


def _passes(item: dict[str, Any], wanted: dict[str, Any], checks: dict[str, Any]) -> bool:
    for name, value in wanted.items():
        check = checks.get(name)
        if check is None:
            raise Refused(400, "INVALID_ARGUMENT", f"the test engine does not filter on '{name}'")
        if not check(item, value):
            return False
    return True


def _page(items: list[dict[str, Any]], body: dict[str, Any], key: str) -> dict[str, Any]:
    """ITEMS in the order of their KEY, paged as the request's `page` says (offset or cursor,
    as the process definition search pages)."""
    ordered = sorted(items, key=lambda item: int(item[key]))
    page = _cursor_page(ordered, (body or {}).get("page") or {}, lambda item: int(item[key]))
    answer: dict[str, Any] = {"totalItems": len(items)}
    if page:
        answer["startCursor"] = _cursor(int(page[0][key]))
        answer["endCursor"] = _cursor(int(page[-1][key]))
    return {"items": page, "page": answer}
