"""Export for the Modeler: the Export page, bundle downloads, one template, a ready BPMN file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from connectors.catalogue.addresses import UNVERSIONED, parse_version
from connectors.catalogue.selectors import get_entry, get_version
from connectors.configure import check
from connectors.configure.selectors import configuration_version, get_configuration
from connectors.elementtemplates import ElementTemplate
from connectors.export import (
    BpmnExportError,
    ExportResult,
    Selection,
    camunda7_everything,
    camunda7_templates,
    download_name,
    export_selection,
    export_templates,
    export_version,
    template_bpmn,
    to_json,
    to_zip,
    unfilled_fields,
)
from connectors.export.bundle import bpmn_name
from connectors.export.camunda7_external import Camunda7ExportError
from connectors.export.processes import process_for
from connectors.export.save_as import (
    SaveAsConnectorError,
    fixed_values,
    save_as_connector,
    suggested_id,
)
from connectors.models import CatalogueEntry
from connectors.registry import default_registry

MAX_SELECTED = 2000


@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    selection = selection_from(request)
    context = {
        "entries": CatalogueEntry.objects.only(
            "template_id", "name", "kind", "version_count", "category_name"
        ).order_by("name", "template_id"),
        "selection": selection,
        "camunda7": camunda7_templates(),
        "external_count": len(default_registry().all()),
    }
    if request.htmx and not request.htmx.boosted:
        # The check of the current selection, refreshed as the user ticks boxes.
        context["result"] = export_selection(selection)
        return render(request, "connectors/export/page.html#check", context)
    return render(request, "connectors/export/page.html", context)


@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """The selection as `.json` (an array) or `.zip` (resources/element-templates/...)."""
    result = export_selection(selection_from(request))
    if request.GET.get("format") == "zip":
        return attachment(to_zip(result), "application/zip", download_name(result, "zip"), result)
    return attachment(
        to_json(result.templates), "application/json", download_name(result, "json"), result
    )


@require_GET
def template_download(request: HttpRequest, template_id: str) -> HttpResponse:
    """One catalogue version (the default unless `?version=`) as a single-template file."""
    try:
        version = get_version(get_entry(template_id), _version_param(request))
    except BadQuery as exc:
        return _bad_query(exc)
    result = export_version(version, base_url=request.build_absolute_uri("/"))
    if not result.templates:
        return _problem_page(request, result.problems[0].label, result.problems[0].reasons)
    name = download_name(result, "json")
    return attachment(to_json(result.templates, single=True), "application/json", name, result)


@require_GET
def template_bpmn_download(request: HttpRequest, template_id: str) -> HttpResponse:
    """A process applying the version's template with its default values."""
    try:
        version = get_version(get_entry(template_id), _version_param(request))
    except BadQuery as exc:
        return _bad_query(exc)
    try:
        xml = template_bpmn(version.content)
    except BpmnExportError as exc:
        return _problem_page(request, str(version), exc.reasons)
    unfilled = unfilled_fields(version.content)
    if unfilled and request.GET.get("anyway") != "1":
        # Zeebe refuses the file until these have values: say so instead of a silent download.
        reasons = [f"{label} ({key}) has no default value" for key, label in unfilled.items()]
        query = request.GET.copy()
        query["anyway"] = "1"
        return _problem_page(
            request,
            str(version),
            reasons,
            download=f"{request.path}?{query.urlencode()}",
            # the version converter addresses a template without a version as `unversioned`
            configure=reverse("configure", args=[template_id, version.version]),
        )
    return attachment(xml.encode(), "application/xml", bpmn_name(version.content), None)


def selection_from(request: HttpRequest) -> Selection:
    ids = [i for i in request.GET.getlist("id") if i][:MAX_SELECTED]
    return Selection(
        ids=ids,
        versions="default" if request.GET.get("versions") == "default" else "all",
        camunda7=request.GET.get("camunda7") in ("1", "on", "true"),
        base_url=request.build_absolute_uri("/"),
    )


def attachment(
    body: bytes | str, content_type: str, filename: str, result: ExportResult | None
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if result is not None:
        # Scripts and the Export page can tell that something was left out.
        response["X-Export-Problems"] = str(len(result.problems))
    return response


class BadQuery(Exception):
    """A query parameter holds a value the view cannot use; the message names it."""


def _version_param(request: HttpRequest) -> int | str | None:
    """`?version=N` picks a version (`unversioned`: the one without a number); absent or empty
    means the default one."""
    raw = request.GET.get("version", "").strip()
    if not raw:
        return None
    try:
        return parse_version(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise BadQuery(
            f"version must be a version number of the template, such as 3, or {UNVERSIONED}; "
            f"got {shown!r}"
        ) from None


def _bad_query(exc: BadQuery) -> HttpResponse:
    return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain; charset=utf-8")


def _problem_page(
    request: HttpRequest,
    label: str,
    reasons: list[str],
    download: str = "",
    configure: str = "",
) -> HttpResponse:
    context = {"label": label, "reasons": reasons, "download": download, "configure": configure}
    return render(request, "connectors/export/problem.html", context, status=422)


@require_GET
def camunda7_download(request: HttpRequest) -> HttpResponse:
    """The Camunda 7 connector templates as one array."""
    result = export_templates(camunda7_everything(request.build_absolute_uri("/")))
    return attachment(
        to_json(result.templates), "application/json", "camunda7-connectors.json", result
    )


# -- saved configurations ----------------------------------------------------------------------


def _configuration_and_source(request: HttpRequest, pk: int) -> tuple[Any, Any]:
    configuration = get_configuration(owner=request.user, pk=pk)
    version = configuration_version(configuration)
    if version is None:
        label = f"{configuration.template_id} {configuration.version_label}"
        raise Http404(f"{label} is no longer in the catalogue")
    return configuration, version


@require_GET
def configuration_bpmn_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A process applying the configuration's template with its values: for Zeebe, or with
    `?engine=camunda7` an external task for the hub's Camunda 7 worker."""
    configuration, version = _configuration_and_source(request, pk)
    # saved values passed these checks, but the connector behind the job type may have changed
    problems = check(ElementTemplate.from_dict(version.content), configuration.values).errors
    if problems:
        reasons = [f"{key}: {m}" for key, messages in problems.items() for m in messages]
        return _problem_page(request, configuration.name, reasons)
    try:
        xml = process_for(
            version.content,
            configuration.values,
            engine=request.GET.get("engine", "camunda8"),
            process_name=configuration.name,
        )
    except (BpmnExportError, Camunda7ExportError) as exc:
        return _problem_page(request, configuration.name, exc.reasons)
    return attachment(xml.encode(), "application/xml", bpmn_name(version.content), None)


def save_as_connector_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the choices (new id, name, hidden or default per fixed field); POST: create it."""
    configuration, version = _configuration_and_source(request, pk)
    template = ElementTemplate.from_dict(version.content)
    fields = fixed_values(template, configuration.values)
    form = {
        "id": request.POST.get("id", suggested_id(configuration)),
        "name": request.POST.get("name", configuration.name),
        "version": request.POST.get("version", "1"),
        "modes": {f.key: request.POST.get(f"mode:{f.key}", "hidden") for f in fields},
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        version_number = int(form["version"]) if form["version"].isdigit() else 0
        try:
            result = save_as_connector(
                configuration=configuration,
                source=version.content,
                template_id=form["id"],
                name=form["name"],
                version=version_number,
                modes=form["modes"],
                user=request.user,
            )
        except SaveAsConnectorError as exc:
            errors = exc.errors
        else:
            created = result.templates[0]
            messages.success(request, f"“{created.name}” is now a connector in the catalogue.")
            return redirect("catalogue-entry", template_id=created.template_id)
    context = {
        "configuration": configuration,
        "version": version,
        "fields": [(f, form["modes"][f.key]) for f in fields],
        "form": form,
        "errors": errors,
        # Not `errors.values` in the template: that finds the dict's values() method (a list of
        # lists, shown as Python reprs) whenever "values" is not a key.
        "value_errors": errors.get("values", []),
    }
    return render(request, "connectors/export/save_as.html", context, status=400 if errors else 200)
