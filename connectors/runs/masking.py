"""What a run shows: values typed in plain text into concealed (credential) fields, masked.

The configure page shows a credential typed in plain text (not a `{{secrets.NAME}}`
reference) as `***` (connectors.configure.masked_values); the run page and the runs API do the
same. The stored run keeps the values as typed, because a re-run needs them: only what is shown
or returned is masked. The value may also travel further than its own field (a bearer header in
an HTTP exchange, a response that echoes it, a log line), so every other part of a shown run is
passed through a `Redactor` over those values, in every spelling it knows (base64 in a Basic
header, percent-encoding, JSON escapes).

A secret reference is not a literal and shows as it is; secret values are redacted by the
runtime before anything is stored (docs/dry-runs.md).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from connectors.configure import masked_values, template_for
from connectors.configure.fields import credential_name, is_credential
from connectors.elementtemplates import ElementTemplate, field_key
from connectors.models import Run, TemplateVersion
from connectors.runs.stored import redact_content
from connectors.secrets import MASK, Redactor, find_references

# The other parts of a run a page or the API shows; the redactor goes over each (and over the
# stored outcome's content: stored.redact_content).
SHOWN_FIELDS = ("variables", "error_message", "test_report")


def shown_run(run: Run, template: ElementTemplate | None = None) -> Run:
    """A copy of RUN for a page or an API answer, never to be saved: literals masked.

    TEMPLATE defaults to the run's template version; without one (it was removed) the field
    names alone decide which fields hold credentials, as on the configuration page.
    """
    concealed = _concealed(run, template)
    if concealed is None:
        return run
    masked, job, redactor = concealed
    shown = copy.copy(run)
    shown.values = redactor.redact(masked)  # the same text typed into another field, too
    shown.job = redactor.redact(job)
    for name in SHOWN_FIELDS:
        setattr(shown, name, redactor.redact(getattr(run, name)))
    shown.stored_outcome = redact_content(run.stored_outcome, redactor.redact)
    return shown


def redactor_for(run: Run) -> Redactor:
    """A redactor of RUN's concealed literals, for text made from its outcome (a diff line)."""
    concealed = _concealed(run, None)
    return concealed[2] if concealed is not None else Redactor(())


def _concealed(
    run: Run, template: ElementTemplate | None
) -> tuple[dict[str, Any], dict[str, Any], Redactor] | None:
    """RUN's values and job with concealed literals masked, and a redactor of those literals."""
    if template is None and run.template_version_id is not None:
        template = _template_of(run.template_version)
    values = run.values or {}
    masked = masked_values(template, values)
    keys = {k for k, v in masked.items() if v == MASK and values.get(k) != MASK}
    if not keys:
        return None
    job, sent = _masked_job(template, run.job or {}, keys)
    return masked, job, Redactor([*(values[k] for k in keys), *sent])


def shown_runs(runs: Iterable[Run]) -> list[Run]:
    """RUNS of a list (loaded without their large fields) with their error messages masked.

    Only runs with an error message can show a literal in a list, so only their values, jobs
    and templates are read, in two queries.
    """
    runs = list(runs)
    failed = [run.pk for run in runs if run.error_message]
    if not failed:
        return runs
    full = Run.objects.filter(pk__in=failed).only(
        "pk", "values", "job", "template_version", "error_message"
    )
    by_pk = {run.pk: run for run in full}
    versions = TemplateVersion.objects.in_bulk(
        {run.template_version_id for run in by_pk.values() if run.template_version_id}
    )
    shown = []
    for run in runs:
        loaded = by_pk.get(run.pk)
        version = versions.get(loaded.template_version_id or 0) if loaded else None
        concealed = _concealed(loaded, _template_of(version)) if loaded else None
        if concealed is not None:
            run = copy.copy(run)
            run.error_message = concealed[2].redact_text(run.error_message)
        shown.append(run)
    return shown


def _template_of(version: TemplateVersion | None) -> ElementTemplate | None:
    if version is None:
        return None
    try:
        return template_for(version)
    except Exception:  # a stored template that no longer reads: decide by names
        return None


def _masked_job(
    template: ElementTemplate | None, job: dict[str, Any], keys: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """JOB with the values bound from the masked KEYS replaced by the mask, and those values.

    A `=` expression in a concealed field is masked too: what the job holds is its result,
    which may be the credential itself.
    """
    job = copy.deepcopy(job)
    sent: list[str] = []
    variables = job.get("variables")
    headers = job.get("headers")
    if template is None:
        for node in (variables, headers):
            sent += _mask_by_name(node)
        return job, sent
    for prop in template.properties:
        if field_key(prop) not in keys or not is_credential(prop):
            continue
        binding = prop.binding
        if binding.type == "zeebe:input" and binding.name and isinstance(variables, dict):
            sent += _mask_path(variables, binding.name.split("."))
        elif binding.type == "zeebe:taskHeader" and binding.key and isinstance(headers, dict):
            sent += _mask_path(headers, [binding.key])
    return job, sent


def _mask_path(node: Any, path: list[str]) -> list[str]:
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    value = node.get(path[-1]) if isinstance(node, dict) else None
    if not _literal(value):
        return []
    node[path[-1]] = MASK
    return [value]


def _mask_by_name(node: Any) -> list[str]:
    """Mask every literal under a key that names a credential, anywhere in NODE."""
    sent: list[str] = []
    if isinstance(node, list):
        for item in node:
            sent += _mask_by_name(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if _literal(value) and credential_name(str(key)):
                node[key] = MASK
                sent.append(value)
            else:
                sent += _mask_by_name(value)
    return sent


def _literal(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and value != MASK and not find_references(value)
