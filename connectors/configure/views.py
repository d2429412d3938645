"""Configure & test: a template as a form, its live job preview, saved configurations, dry-run."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from connectors.catalogue.selectors import entry_icon_src, runnable_job_types, version_list
from connectors.configure import (
    ConfigureForm,
    build_form,
    masked_values,
    template_for,
    values_from_post,
)
from connectors.configure.selectors import (
    configuration_list,
    configuration_version,
    entry_of,
    form_version,
    get_configuration,
    newer_version,
    newer_versions,
)
from connectors.configure.services import (
    ConfigurationInvalid,
    configuration_delete,
    configuration_duplicate,
    configuration_save,
)
from connectors.credentials.selectors import usable_names
from connectors.elementtemplates import ElementTemplate, field_key
from connectors.models import CatalogueEntry, Run, SavedConfiguration, TemplateVersion
from connectors.network.allowlist import policy_from_settings
from connectors.runs.selectors import get_run
from connectors.runs.services import run_start
from connectors.secrets.references import find_references
from connectors.secrets.selectors import secret_list
from connectors.secrets.store import other_source_of

MAX_SECRET_NAMES = 500


def configure(request: HttpRequest, template_id: str, version: int | None = None) -> HttpResponse:
    selected = form_version(template_id, version)
    template = template_for(selected)
    configuration = _configuration_from(request)
    values, form, context = _form_state(request, template, configuration)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in ("save", "save-new"):
        saved = _save(request, selected, form, values, configuration if action == "save" else None)
        if isinstance(saved, SavedConfiguration):
            return redirect(_configure_url(selected, saved))
        context["name_errors"] = saved
    elif action == "dry-run":
        started = _dry_run(request, selected, form, values, configuration)
        if isinstance(started, str):
            return redirect(started)
        context["run_errors"] = started
    context |= {
        "form": form,
        "secret_names": _secret_names(),
        "missing_secrets": _missing_secrets(values),
        "can_run": _runs_available(),
        "runs_here": selected.job_type in runnable_job_types(),
        "export_url": f"{reverse('export')}?{urlencode({'id': template_id})}",
    }
    if request.htmx and not request.htmx.boosted and not action:
        return render(request, "connectors/configure/page.html#live", context)
    context |= _page_context(selected, configuration)
    status = 400 if context.get("name_errors") or context.get("run_errors") else 200
    return render(request, "connectors/configure/page.html", context, status=status)


@require_POST
def egress_check(request: HttpRequest) -> HttpResponse:
    """Before the run: the hosts of the URLs typed in the form that the dry-run's egress policy
    will refuse. Decided without DNS, so it answers at once: literal addresses and localhost are
    judged, other names are said to be checked when the run starts."""

    policy = policy_from_settings("dry_run")
    notes = []
    for host, port in _typed_hosts(request.POST) if policy is not None else []:
        verdict = policy.precheck(host, port)  # type: ignore[union-attr]
        if verdict.verdict != "allowed":
            notes.append({"host": host, "verdict": verdict.verdict, "message": verdict.message})
    return render(request, "connectors/configure/_egress_check.html#notes", {"notes": notes})


def _typed_hosts(data: Any) -> list[tuple[str, int]]:
    """(host, port) of each http(s) URL typed as a field value; FEEL expressions and hosts
    holding a secret reference are left to the run."""
    found: list[tuple[str, int]] = []
    for name in data:
        value = str(data.get(name, "")).strip()
        if not name.startswith("v:") or not value.lower().startswith(("http://", "https://")):
            continue
        try:
            parts = urlsplit(value)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            continue  # the form itself says what is wrong with the URL
        host = parts.hostname or ""
        if host and "{" not in host and (host, port) not in found:
            found.append((host, port))
    return found


def _form_state(
    request: HttpRequest, template: ElementTemplate, configuration: SavedConfiguration | None
) -> tuple[dict[str, Any], ConfigureForm, dict[str, Any]]:
    """Values from the POST, or from the saved configuration on GET, and the form for them."""
    if request.method == "POST":
        values = values_from_post(template, request.POST)
        variables_text = request.POST.get("variables", "")
        context: dict[str, Any] = {"name": request.POST.get("name", "")}
        if request.POST.get("action") == "switch":
            # The version switch posts what was typed: it comes along where the field still
            # exists (as in the Modeler), and the page names what was left out.
            values, context["dropped"] = _known_values(template, values)
    else:
        # "Open as configuration" on a run page: the run's values and sample variables.
        source = configuration or _run_from(request)
        values, variables_text, dropped = _stored_values(template, source)
        context = {"name": configuration.name if configuration else "", "dropped": dropped}

    def credentials(template_id: str) -> list[str]:
        return usable_names(request.user, template_id)

    form = build_form(template, values, variables_text=variables_text, credentials=credentials)
    return values, form, context


def _page_context(
    selected: TemplateVersion, configuration: SavedConfiguration | None
) -> dict[str, Any]:
    return {
        "entry": selected.entry,
        "selected": selected,
        "configuration": configuration,
        "newer": _newer_than(selected, configuration),
        "post_url": _configure_url(selected, configuration),
        "entry_url": _entry_url(selected),
        "versions": _version_choices(selected.entry, selected, configuration),
        "icon_src": entry_icon_src(selected.entry),
    }


def _save(
    request: HttpRequest,
    version: TemplateVersion,
    form: ConfigureForm,
    values: dict[str, Any],
    configuration: SavedConfiguration | None,
) -> SavedConfiguration | list[str]:
    """The saved configuration, or the messages to show beside the name."""
    not_saved = "not saved: fix the fields marked in red first"
    if form.variables_errors:
        return [not_saved]
    try:
        saved = configuration_save(
            owner=request.user,
            version=version,
            name=request.POST.get("name", ""),
            values=values,
            variables=_variables(form.variables_text),
            configuration=configuration,
        )
    except ConfigurationInvalid as invalid:
        others = any(key != "name" for key in invalid.errors)
        return [*invalid.errors.get("name", []), *([not_saved] if others else [])]
    messages.success(request, f"Saved “{saved.name}”.")
    return saved


def _dry_run(
    request: HttpRequest,
    version: TemplateVersion,
    form: ConfigureForm,
    values: dict[str, Any],
    configuration: SavedConfiguration | None,
) -> str | list[str]:
    """The run page's URL, or why the run was not started."""
    if not form.ok or not _runs_available():
        return ["Not started: fix the fields listed above first."]

    try:
        run = run_start(
            version=version,
            values=values,
            variables=_variables(form.variables_text),
            user=request.user,
            configuration=configuration,
        )
    except ValidationError as error:
        return [f"Not started: {m}" for m in error.messages]
    return reverse("run-detail", args=[run.pk])


def _newer_than(
    selected: TemplateVersion, configuration: SavedConfiguration | None
) -> TemplateVersion | None:
    newer = newer_version(configuration) if configuration else None
    if newer is None or selected.version is None or newer.version is None:
        return None
    return newer if newer.version > selected.version else None


def _stored_values(
    template: ElementTemplate, stored: SavedConfiguration | Run | None
) -> tuple[dict[str, Any], str, list[str]]:
    """Saved values (of a configuration or a run) for this template; unknown keys are left out."""
    if stored is None:
        return {}, "", []
    values, dropped = _known_values(template, stored.values)
    variables = json.dumps(stored.variables, indent=2) if stored.variables else ""
    return values, variables, dropped


def _known_values(
    template: ElementTemplate, values: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The values of fields the template has, and the sorted keys of the others."""
    known = {field_key(p) for p in template.properties}
    kept = {k: v for k, v in values.items() if k in known}
    return kept, sorted(k for k in values if k not in known)


def _run_from(request: HttpRequest) -> Run | None:
    """The run named by ?run=, if the user may see it (someone else's run is a 404)."""
    pk = request.GET.get("run", "")
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404("No such run")
    return get_run(int(pk), user=request.user)


def _configuration_from(request: HttpRequest) -> SavedConfiguration | None:
    pk = request.POST.get("configuration") or request.GET.get("configuration")
    return get_configuration(owner=request.user, pk=pk) if pk else None


def _variables(text: str) -> dict[str, Any]:
    data = json.loads(text) if text.strip() else {}
    return data if isinstance(data, dict) else {}


def _secret_names() -> list[str]:
    return list(secret_list().values_list("name", flat=True)[:MAX_SECRET_NAMES])


def _missing_secrets(values: dict[str, Any]) -> list[str]:
    """Secrets the values reference that neither the hub nor another provider has (deleted
    since the configuration was saved, or never created): the run would fail on them."""
    names = find_references(values)
    stored = set(secret_list().filter(name__in=names).values_list("name", flat=True))
    return sorted(n for n in names - stored if other_source_of(n) is None)


def _runs_available() -> bool:
    """Dry-runs need the run page (connectors.runs' URLs); without it the button is left out."""
    try:
        reverse("run-detail", args=[1])
    except NoReverseMatch:
        return False
    return True


def _configure_url(version: TemplateVersion, configuration: SavedConfiguration | None) -> str:
    url = reverse("configure", args=[version.entry.template_id, version.version])
    return f"{url}?configuration={configuration.pk}" if configuration else url


def _entry_url(version: TemplateVersion) -> str:
    return reverse("catalogue-entry-version", args=[version.entry.template_id, version.version])


def _version_choices(
    entry: CatalogueEntry, selected: TemplateVersion, configuration: SavedConfiguration | None
) -> list[dict[str, Any]]:
    return [
        {
            "url": _configure_url(v, configuration),
            "label": v.version_label,
            "current": v.pk == selected.pk,
            "deprecated": v.deprecated,
        }
        for v in version_list(entry)
    ]


# -- saved configurations ------------------------------------------------------------------


def configuration_index(request: HttpRequest) -> HttpResponse:
    configurations = list(configuration_list(owner=request.user))
    names = dict(
        CatalogueEntry.objects.filter(
            template_id__in={c.template_id for c in configurations}
        ).values_list("template_id", "name")
    )
    newer = newer_versions(configurations)
    rows = [
        {"configuration": c, "connector": names.get(c.template_id), "newer": newer.get(c.pk)}
        for c in configurations
    ]
    return render(request, "connectors/configure/list.html", {"rows": rows})


def configuration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    configuration = get_configuration(owner=request.user, pk=pk)
    version = configuration_version(configuration)
    context = {
        "configuration": configuration,
        "entry": entry_of(configuration),
        "version": version,
        "open_url": _configure_url(version, configuration) if version else "",
        "newer": newer_version(configuration),
        "values_json": json.dumps(
            masked_values(template_for(version) if version else None, configuration.values),
            indent=2,
            ensure_ascii=False,
        ),
        "variables_json": json.dumps(configuration.variables, indent=2, ensure_ascii=False),
    }
    return render(request, "connectors/configure/detail.html", context)


@require_POST
def configuration_copy(request: HttpRequest, pk: int) -> HttpResponse:
    copy = configuration_duplicate(configuration=get_configuration(owner=request.user, pk=pk))
    messages.success(request, f"Duplicated as “{copy.name}”.")
    return redirect("configuration-detail", pk=copy.pk)


@require_POST
def configuration_remove(request: HttpRequest, pk: int) -> HttpResponse:
    configuration = get_configuration(owner=request.user, pk=pk)
    name = configuration.name
    configuration_delete(configuration=configuration)
    messages.success(request, f"Deleted “{name}”.")
    return redirect("configuration-list")
