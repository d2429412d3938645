"""Which inbound elements run: the known process definitions -> element rows, one executable per
deduplication id (Camunda's InboundExecutableRegistryImpl and its ProcessStateChanged handling).

`sync()` reads the latest version of every known process (InboundProcess, kept by discovery and
by deployments through the hub) and brings the element rows in line: a new element is checked
and becomes ACTIVE, or DOWN with the reason it cannot run (no such inbound type, a missing
correlation key expression or secret, properties that do not fit the connector, a webhook path
another executable holds); an element of a replaced version or a removed process becomes
INACTIVE (hot swap: the new version's element takes over), except an older version's catch
event, boundary event or receive task while instances still wait at it (`subscriptions`,
Camunda 8.9). A DOWN element is checked again on every sync and comes back when the cause has
gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from connectors.inbound import activity
from connectors.inbound.bpmn import BpmnError, ElementSpec, inbound_elements
from connectors.inbound.context import ActivationFailed, activate
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.keywords import WEBHOOK_CONTEXT, DeduplicationError, deduplication_id
from connectors.inbound.models import ElementState, InboundElement, InboundProcess
from connectors.inbound.registry import UnknownInboundType, inbound_registry
from connectors.inbound.subscriptions import older_versions


@dataclass
class SyncReport:
    activated: list[str] = field(default_factory=list)  # "process/element"
    down: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def sync() -> SyncReport:
    report = SyncReport()
    problems: dict[int, str] = {}  # element pk -> what is wrong in the BPMN itself
    for process in InboundProcess.objects.filter(latest=True, gone=False):
        problems.update(_rows_of(process))
    older = older_versions(set(problems))
    problems.update(older.kept)
    _deactivate_all_but(set(problems), report, older.reasons)
    groups = _groups(list(InboundElement.objects.filter(pk__in=problems).select_related("process")))
    _check_groups(groups, problems, report)
    return report


def _rows_of(process: InboundProcess) -> dict[int, str]:
    try:
        specs = inbound_elements(process.xml, process.process_id)
    except BpmnError:
        return {}  # the engine deployed it, so this cannot happen; nothing to activate
    return dict(_row(process, spec) for spec in specs)


def _row(process: InboundProcess, spec: ElementSpec) -> tuple[int, str]:
    problem = spec.problem
    try:
        dedup = deduplication_id(
            spec.properties,
            tenant_id=process.tenant_id,
            process_id=process.process_id,
            process_definition_key=process.process_definition_key,
            element_id=spec.element_id,
        )
    except DeduplicationError as exc:
        dedup, problem = f"{process.process_definition_key}/{spec.element_id}", str(exc)
    row, _ = InboundElement.objects.get_or_create(
        process=process,
        element_id=spec.element_id,
        defaults={
            "element_name": spec.element_name,
            "kind": spec.kind,
            "inbound_type": spec.inbound_type,
            "properties": spec.properties,
            "message_name": spec.message_name,
            "deduplication_id": dedup,
            "context_path": spec.properties.get(WEBHOOK_CONTEXT, "").strip().strip("/"),
            "state": ElementState.DOWN,
            "activation_error": "not checked yet",
        },
    )
    return row.pk, problem


def _deactivate_all_but(wanted: set[int], report: SyncReport, reasons: dict[int, str]) -> None:
    now = timezone.now()
    leaving = InboundElement.objects.exclude(pk__in=wanted).exclude(state=ElementState.INACTIVE)
    for row in leaving.select_related("process"):
        latest = (
            InboundProcess.objects.filter(process_id=row.process.process_id, latest=True)
            .exclude(gone=True)
            .first()
        )
        why = f"replaced by version {latest.version}" if latest else "its process was removed"
        why = reasons.get(row.pk, why) if latest else why
        row.state, row.reason, row.deactivated_at = ElementState.INACTIVE, why, now
        row.save(update_fields=["state", "reason", "deactivated_at", "updated_at"])
        activity.record(row.pk, f"deactivated: {why}", tag="lifecycle")
        report.deactivated.append(f"{row.process.process_id}/{row.element_id}")


def _groups(rows: Sequence[InboundElement]) -> dict[str, list[InboundElement]]:
    grouped: dict[str, list[InboundElement]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.process.process_definition_key, r.element_id)):
        grouped[row.deduplication_id].append(row)
    return grouped


def _check_groups(
    groups: dict[str, list[InboundElement]], problems: dict[int, str], report: SyncReport
) -> None:
    """Each executable's verdict, written to its rows. A webhook path goes to a latest version's
    element first (an older version kept for its waiting instances yields it: the latest one
    publishes the same message), then stays with the element that holds it (an active one),
    else goes to the oldest process definition."""
    paths: dict[str, str] = {}
    holding_first = sorted(
        groups.items(),
        key=lambda item: (
            not any(row.process.latest for row in item[1]),
            bool(item[1][0].activation_error),
        ),
    )
    for dedup, rows in holding_first:
        error = next((problems[r.pk] for r in rows if problems[r.pk]), "")
        error = error or _activation_error(rows)
        path = rows[0].context_path
        if not error and rows[0].connector_kind == "webhook":
            holder = paths.setdefault(path, dedup)
            if holder != dedup:
                error = f"the webhook path '{path}' is already used by another element"
        _write_verdict(rows, error, report)


def _activation_error(rows: list[InboundElement]) -> str:
    first = rows[0]
    if len({r.inbound_type for r in rows}) > 1:
        return "elements with one deduplication id must have the same inbound.type"
    try:
        connector = inbound_registry().get(first.inbound_type)
    except UnknownInboundType as exc:
        return str(exc)
    for row in rows:
        row.connector_kind = connector.kind
    if connector.kind == "webhook" and not first.context_path:
        return f"a webhook needs the property {WEBHOOK_CONTEXT} (its path below /inbound/)"
    try:
        activate(connector, [ActiveElement.of(r) for r in rows])
    except ActivationFailed as exc:
        return str(exc)
    return ""


def _write_verdict(rows: list[InboundElement], error: str, report: SyncReport) -> None:
    now = timezone.now()
    with transaction.atomic():
        for row in rows:
            before = (row.state, row.reason, row.activation_error, row.connector_kind)
            name = f"{row.process.process_id}/{row.element_id}"
            # (an INACTIVE row comes back when its version is the latest again: a newer one
            # was deleted)
            was_down_for_activation = (
                bool(row.activation_error) or row.state == ElementState.INACTIVE
            )
            if error:
                if row.activation_error != error or row.state != ElementState.DOWN:
                    activity.record(row.pk, f"activation failed: {error}", severity="ERROR")
                row.state, row.reason, row.activation_error = ElementState.DOWN, error, error
                report.down.append(name)
            elif was_down_for_activation:
                row.state, row.reason, row.activation_error = ElementState.ACTIVE, "", ""
                row.activated_at = now
                activity.record(row.pk, "activated", tag="lifecycle")
                report.activated.append(name)
            if (row.state, row.reason, row.activation_error, row.connector_kind) != before:
                row.save()  # only a change: a saved row rebuilds its webhook's executable
