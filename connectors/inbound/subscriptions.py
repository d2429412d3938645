"""Elements of older process versions that stay active while instances still wait at them.

Camunda 8.9 keeps every version that has open message subscriptions beside the latest one
(ImportSchedulers.scheduleActiveVersionImport, Importers.importActiveVersions and the
`hasActiveSubscriptions` flag of ProcessStateContainerImpl), and of those older versions drops
the start events (ProcessStateManagerImpl.filterStartEvents: new instances always start on the
latest version). The hub does the same per element, with what Camunda 8.8+'s REST API offers:
an older version's catch event, boundary event or receive task stays while the element instance
search finds an instance ACTIVE where it waits (`ElementSpec.waits_at`: the element itself, the
activity a boundary event is attached to, or the event-based gateway before a catch event), and
is deactivated at the first discovery that finds none.

Why not `POST /v2/message-subscriptions/search` (rest-api.yaml 8.8 has it too): its filter has
no `processDefinitionKey`, only the process id, so telling one version's open subscriptions from
the latest's would mean reading every subscription of the process, page after page, at every
discovery; the element instance search filters on the definition key and answers with one item
(`page.limit` 1). 8.9's per-definition statistics (what Camunda uses) are not in the 8.8 API.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from connectors.inbound.bpmn import BpmnError, inbound_elements
from connectors.inbound.engine import EngineNotConfigured, engine_call, gateway
from connectors.inbound.models import ElementKind, ElementState, InboundElement, InboundProcess
from connectors.zeebe.rest import GatewayUnavailable, RequestRefused

logger = logging.getLogger(__name__)
START_KINDS = (ElementKind.START_EVENT, ElementKind.MESSAGE_START_EVENT)
CANNOT_TELL = "whether instances still wait there needs Camunda 8.8+'s REST API"


@dataclass
class OlderVersions:
    """What becomes of the elements of versions that are no longer the latest."""

    kept: dict[int, str] = field(default_factory=dict)  # element pk -> its BPMN problem or ""
    reasons: dict[int, str] = field(default_factory=dict)  # element pk -> why it leaves


def older_versions(latest: set[int]) -> OlderVersions:
    """The elements not in LATEST (pks of the latest versions' elements) that are still running:
    kept while an instance waits at them, else the reason they are deactivated."""
    found = OlderVersions()
    rows = (
        InboundElement.objects.exclude(pk__in=latest)
        .exclude(state=ElementState.INACTIVE)
        .filter(process__latest=False, process__gone=False)
        .exclude(kind__in=START_KINDS)  # deactivated at once, with the usual reason
        .select_related("process")
        .order_by("process_id", "pk")
    )
    # process pk -> element id -> (where its instances wait, its BPMN problem)
    specs: dict[int, dict[str, tuple[str, str]]] = {}
    for row in rows:
        process = row.process
        if process.pk not in specs:
            specs[process.pk] = _waits_at(process)
        if row.element_id not in specs[process.pk]:
            continue  # not in its own XML any more: cannot happen; it leaves
        waits_at, problem = specs[process.pk][row.element_id]
        waiting = _instances_wait(process.process_definition_key, waits_at)
        newest = _newest_version(process)
        if waiting is None:
            found.reasons[row.pk] = f"replaced by version {newest} ({CANNOT_TELL})"
        elif waiting:
            found.kept[row.pk] = problem
        else:
            found.reasons[row.pk] = (
                f"replaced by version {newest}; no instance of version "
                f"{process.version} waits there any more"
            )
    return found


def _waits_at(process: InboundProcess) -> dict[str, tuple[str, str]]:
    try:
        elements = inbound_elements(process.xml, process.process_id)
    except BpmnError:
        return {}
    return {spec.element_id: (spec.waits_at, spec.problem) for spec in elements}


def _instances_wait(process_definition_key: int, element_id: str) -> bool | None:
    """Whether an instance of the definition is active at ELEMENT_ID; None when the engine
    cannot tell (no REST API, or it refused the search). An engine that cannot be reached now
    counts as waiting: the element stays until a later discovery gets an answer."""
    if gateway().transport != "rest":
        return None  # gRPC has no search (docs/inbound.md, "Transport")
    try:
        active: bool = engine_call(
            lambda camunda: camunda.element_is_active(process_definition_key, element_id)
        )
    except RequestRefused as refused:
        logger.warning("inbound: the element instance search was refused: %s", refused)
        return None
    except (GatewayUnavailable, EngineNotConfigured, TimeoutError) as exc:
        logger.warning("inbound: waiting instances unknown, element kept for now: %s", exc)
        return True
    return active


def _newest_version(process: InboundProcess) -> int | str:
    latest = (
        InboundProcess.objects.filter(process_id=process.process_id, latest=True, gone=False)
        .values_list("version", flat=True)
        .first()
    )
    return latest if latest is not None else "?"
