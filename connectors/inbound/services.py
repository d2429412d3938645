"""The Deploy action (page and API): a BPMN file, or the process of a saved configuration as
the export writes it, deployed to the configured engine and remembered for inbound discovery."""

from __future__ import annotations

from typing import Any

from connectors.configure.selectors import configuration_version, get_configuration
from connectors.export import BpmnExportError
from connectors.export.bundle import bpmn_name
from connectors.export.camunda7_external import Camunda7ExportError
from connectors.export.processes import process_for
from connectors.inbound.discovery import DeploymentRefused, deploy
from connectors.inbound.models import InboundProcess

MAX_BPMN_BYTES = 2 * 1024 * 1024


def deploy_upload(*, name: str, data: bytes, user: Any) -> list[InboundProcess]:
    """An uploaded BPMN file; DeploymentRefused says what is wrong with it."""
    if not name.lower().endswith((".bpmn", ".xml")):
        raise DeploymentRefused(f"{name}: only .bpmn (BPMN XML) files are deployed")
    if len(data) > MAX_BPMN_BYTES:
        raise DeploymentRefused(f"{name}: larger than {MAX_BPMN_BYTES} bytes")
    return deploy([(name, data)], user=user)


def deploy_configuration(*, pk: int | str, user: Any) -> list[InboundProcess]:
    """The process of USER's saved configuration PK (another user's is 404)."""
    configuration = get_configuration(owner=user, pk=pk)
    version = configuration_version(configuration)
    if version is None:
        raise DeploymentRefused(f"{configuration.template_id} is no longer in the catalogue")
    try:
        xml = process_for(version.content, configuration.values, process_name=configuration.name)
    except (BpmnExportError, Camunda7ExportError) as exc:
        raise DeploymentRefused("; ".join(exc.reasons)) from None
    return deploy([(bpmn_name(version.content), xml.encode())], user=user)
