"""Discovery past the first page: with 230 deployed definitions the search is read page by page
(`page.after` = the previous answer's `endCursor`, as rest-api.yaml 8.8 defines it; the test
engine pages as the spec says), every definition is found, and a removal on any page is still
detected (before paging, a full first page meant no removal could be trusted)."""

from __future__ import annotations

import pytest

from connectors.inbound.discovery import discover
from connectors.models import ElementState, InboundElement, InboundProcess
from tests.inbound.conftest import ECHO, Camunda
from tests.inbound.processes import start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]
COUNT = 230
HOOKED = (0, 120, 229)  # processes with a webhook: on the first, second and third page


def test_every_page_is_read_and_removals_on_any_page_are_detected(
    camunda: Camunda, test_connectors: None
) -> None:
    keys = []
    for n in range(COUNT):
        properties = {"inbound.type": ECHO, "inbound.context": f"p{n}"} if n in HOOKED else {}
        keys.append(camunda.deploy(f"p{n}.bpmn", start_event_process(f"p{n}", properties)).key)

    report = discover()
    assert report is not None and report.found == COUNT
    assert InboundProcess.objects.count() == COUNT
    active = InboundElement.objects.filter(state=ElementState.ACTIVE)
    assert sorted(active.values_list("context_path", flat=True)) == ["p0", "p120", "p229"]
    searches = [body for _, path, body in camunda.face.requests if path.endswith("/search")]
    assert [body["page"].get("after") is not None for body in searches] == [
        False,
        True,
        True,
        True,
    ]  # the last one empty
    assert all(body["page"]["limit"] == 100 for body in searches)

    camunda.engine.instances.delete(keys[0])  # on the first page
    camunda.engine.instances.delete(keys[229])  # on the last
    report = discover()
    assert report is not None and [r.split(" (")[0] for r in sorted(report.removed)] == [
        "p0 v1", "p229 v1",
    ]  # fmt: skip
    gone = InboundProcess.objects.filter(gone=True).values_list("process_id", flat=True)
    assert sorted(gone) == ["p0", "p229"]
    assert list(active.values_list("context_path", flat=True)) == ["p120"]
