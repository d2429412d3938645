"""Template-driven forms: an element template + values -> fields, messages and the job.

    build_form(template, values, variables_text=...) -> ConfigureForm   what the page draws
    values_from_post(template, request.POST) -> values                  typed, keyed by field_key
    check(template, values, variables) -> PreparedJob(resolved, job, errors) every entry point
    parse_variables(text) -> (dict, messages)                           sample variables
    template_for(version) -> ElementTemplate                            cached per content
    masked_values(template, values) -> values                           credentials masked

See docs/forms.md.
"""

from .building import ConfigureForm, GroupView, build_form, masked_values
from .checking import Checked, check, parse_variables
from .fields import FieldView
from .loading import template_for
from .posting import values_from_post

__all__ = [
    "Checked",
    "ConfigureForm",
    "FieldView",
    "GroupView",
    "build_form",
    "check",
    "masked_values",
    "parse_variables",
    "template_for",
    "values_from_post",
]
