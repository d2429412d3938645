"""Where the hub learns of deployed processes (Camunda's ProcessDefinitionSearch and
ImportSchedulers.scheduleLatestVersionImport): a search of Camunda 8.8+'s process definitions
(latest versions) with the XML of each new one, every CONNECTORHUB_INBOUND_POLL_SECONDS in
Celery beat; and deployments through the hub (`deploy`), which record the XML they sent.

The search asks for latest versions only; an older version the hub already knows keeps its
catch events, boundary events and receive tasks while instances wait at them (`lifecycle.sync`
and `subscriptions`, Camunda 8.9's active versions). An older version the hub never saw as the
latest (deployed and replaced while the hub was not polling) is not looked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from connectors.inbound.bpmn import BpmnError, process_ids
from connectors.inbound.engine import engine_call, gateway
from connectors.inbound.lifecycle import SyncReport, sync
from connectors.inbound.models import InboundProcess, InboundSource
from connectors.zeebe.client import ProcessDefinition
from connectors.zeebe.rest import RequestRefused

logger = logging.getLogger(__name__)


class DeploymentRefused(ValueError):
    """The BPMN cannot be deployed; the message says why (the engine's words, if it spoke)."""


@dataclass
class DiscoveryReport:
    found: int = 0
    new: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    sync: SyncReport = field(default_factory=SyncReport)


def discover() -> DiscoveryReport | None:
    """One poll of Camunda; None when no REST address is configured (nothing to ask)."""
    if not gateway().rest_address:
        return None
    definitions = engine_call(lambda camunda: camunda.search_process_definitions(latest_only=True))
    report = DiscoveryReport(found=len(definitions))
    for definition in definitions:
        if not InboundProcess.objects.filter(
            process_definition_key=definition.process_definition_key
        ).exists():
            xml = _xml_of(definition.process_definition_key)
            _remember(definition, xml, InboundSource.CAMUNDA)
            report.new.append(f"{definition.process_definition_id} v{definition.version}")
    keys = {d.process_definition_key for d in definitions}
    with transaction.atomic():
        _mark_latest(keys)
        # the search read every page: a definition missing from it was deleted
        for gone in InboundProcess.objects.filter(latest=True, gone=False).exclude(
            process_definition_key__in=keys
        ):
            gone.gone = True
            gone.save(update_fields=["gone"])
            report.removed.append(str(gone))
    report.sync = sync()
    return report


def deploy(resources: Sequence[tuple[str, bytes]], *, user: Any = None) -> list[InboundProcess]:
    """Deploy RESOURCES (file name, BPMN) to the configured engine, remember their processes
    and activate their inbound elements. DeploymentRefused for a bad file or the engine's
    refusal; connectors.zeebe.rest.GatewayUnavailable when it cannot be reached."""
    for name, data in resources:
        try:
            if not process_ids(data):
                raise DeploymentRefused(f"{name}: no bpmn:process with an id in it")
        except BpmnError as exc:
            raise DeploymentRefused(f"{name}: {exc}") from None
    try:
        deployed = engine_call(lambda camunda: camunda.deploy(resources))
    except RequestRefused as refused:
        raise DeploymentRefused(str(refused)) from None
    contents = dict(resources)
    rows = [
        # the engine names each process's resource as it was sent; else the first one's
        _remember(
            d,
            (contents.get(d.resource_name) or resources[0][1]).decode(),
            InboundSource.HUB,
            user=user,
        )
        for d in deployed
    ]
    with transaction.atomic():
        for row in rows:
            InboundProcess.objects.filter(process_id=row.process_id).exclude(pk=row.pk).update(
                latest=False
            )
    sync()
    return rows


def _xml_of(process_definition_key: int) -> str:
    xml: str = engine_call(lambda camunda: camunda.process_definition_xml(process_definition_key))
    return xml


def _remember(
    definition: ProcessDefinition, xml: str, source: str, *, user: Any = None
) -> InboundProcess:
    row, _ = InboundProcess.objects.update_or_create(
        process_definition_key=definition.process_definition_key,
        defaults={
            "process_id": definition.process_definition_id,
            "version": definition.version,
            "resource_name": definition.resource_name,
            "xml": xml,
            "source": source,
            "deployed_by": user,
            "latest": True,
            "gone": False,
        },
    )
    return row


def _mark_latest(keys: set[int]) -> None:
    """The search's definitions are the latest; any other version of their ids is not."""
    latest = InboundProcess.objects.filter(process_definition_key__in=keys)
    latest.update(latest=True, gone=False)
    for process_id in latest.values_list("process_id", flat=True):
        InboundProcess.objects.filter(process_id=process_id).exclude(
            process_definition_key__in=keys
        ).update(latest=False)
