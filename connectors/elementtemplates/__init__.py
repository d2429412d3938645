"""Zeebe element templates: loading, validation, typed model and the template -> job translation.

Pure Python (no Django): the catalogue, the forms, the API and the export all call these
functions. See docs/element-templates.md.
"""

from .conditions import binding_key, is_condition_met
from .job import (
    BpmnTask,
    Job,
    Resolved,
    active_properties,
    bpmn_view,
    build_job,
    check_values,
    field_key,
    resolve,
)
from .loading import MAX_DEPTH, MAX_DOCUMENT_BYTES, TemplateLoadError, load_templates
from .model import (
    BINDING_TYPES,
    PROPERTY_TYPES,
    AllMatchCondition,
    Binding,
    Choice,
    Condition,
    Constraints,
    ElementTemplate,
    Group,
    Property,
    SimpleCondition,
    TemplateModelError,
)
from .prepare import ConnectorCheck, PreparedJob, prepare_job
from .reading import TemplateValidationError, read_templates
from .schema_check import SCHEMA_PACKAGE, SCHEMA_VERSION
from .validation import (
    REFERENCE_VALIDATOR_RULES,
    TemplateError,
    is_valid,
    lint_template,
    validate_template,
    validate_templates,
)

__all__ = [
    "BINDING_TYPES",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "PROPERTY_TYPES",
    "REFERENCE_VALIDATOR_RULES",
    "SCHEMA_PACKAGE",
    "SCHEMA_VERSION",
    "AllMatchCondition",
    "Binding",
    "BpmnTask",
    "Choice",
    "Condition",
    "ConnectorCheck",
    "Constraints",
    "ElementTemplate",
    "Group",
    "Job",
    "PreparedJob",
    "Property",
    "Resolved",
    "SimpleCondition",
    "TemplateError",
    "TemplateLoadError",
    "TemplateModelError",
    "TemplateValidationError",
    "active_properties",
    "binding_key",
    "bpmn_view",
    "build_job",
    "check_values",
    "field_key",
    "is_condition_met",
    "is_valid",
    "lint_template",
    "load_templates",
    "prepare_job",
    "read_templates",
    "resolve",
    "validate_template",
    "validate_templates",
]
