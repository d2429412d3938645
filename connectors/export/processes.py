"""A ready process for a template and its values, for the engine the user picks.

`camunda8` (the default) places the template's element as the Zeebe Modeler would
(bpmn.template_bpmn); `camunda7` writes an external task that the hub's Camunda 7 worker serves
(camunda7_external.external_task_bpmn). Both refuse what they cannot write with the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.export.bpmn import BpmnExportError, template_bpmn
from connectors.export.camunda7_external import external_task_bpmn

ENGINES = ("camunda8", "camunda7")


def process_for(
    template: Mapping[str, Any],
    values: Mapping[str, Any] | None,
    *,
    engine: str = "camunda8",
    process_name: str | None = None,
) -> str:
    """The BPMN XML; BpmnExportError (or its Camunda 7 counterpart) naming the reasons, also for
    an engine that is not one of ENGINES."""
    if engine == "camunda7":
        return external_task_bpmn(template, values, process_name=process_name)
    if engine != "camunda8":
        raise BpmnExportError(
            str(template.get("name") or template.get("id")),
            [f"engine '{engine}' is not one of {', '.join(ENGINES)}"],
        )
    return template_bpmn(template, values, process_name=process_name)
