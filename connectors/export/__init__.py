"""Export for the Modeler: template files and bundles, ready BPMN processes, Camunda 7 templates.

See docs/export.md. Views, the API and the `export_templates` command all call these functions.
"""

from connectors.export.bpmn import BpmnExportError, template_bpmn, unfilled_fields
from connectors.export.bundle import (
    PROBLEMS_FILE,
    TEMPLATES_FOLDER,
    download_name,
    problems_text,
    template_files,
    to_json,
    to_zip,
)
from connectors.export.camunda7 import camunda7_templates, is_camunda7, validate_camunda7
from connectors.export.camunda7_external import (
    Camunda7ExportError,
    external_task_bpmn,
    external_task_template,
    external_task_templates,
)
from connectors.export.collect import (
    ExportedTemplate,
    ExportProblem,
    ExportResult,
    Selection,
    camunda7_everything,
    export_selection,
    export_templates,
    export_version,
)
from connectors.export.generated import complete_generated

__all__ = [
    "PROBLEMS_FILE",
    "TEMPLATES_FOLDER",
    "BpmnExportError",
    "Camunda7ExportError",
    "ExportProblem",
    "ExportResult",
    "ExportedTemplate",
    "Selection",
    "camunda7_everything",
    "camunda7_templates",
    "complete_generated",
    "download_name",
    "export_selection",
    "export_templates",
    "export_version",
    "external_task_bpmn",
    "external_task_template",
    "external_task_templates",
    "is_camunda7",
    "problems_text",
    "template_bpmn",
    "template_files",
    "to_json",
    "to_zip",
    "unfilled_fields",
    "validate_camunda7",
]
