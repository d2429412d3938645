"""Export for the Modeler: the Export page, bundle downloads, one template, a ready BPMN file."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from connectors.catalogue.selectors import get_entry, get_version
from connectors.export import (
    BpmnExportError,
    ExportResult,
    Selection,
    camunda7_templates,
    download_name,
    export_selection,
    export_templates,
    export_version,
    template_bpmn,
    to_json,
    to_zip,
)
from connectors.models import CatalogueEntry

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
    version = get_version(get_entry(template_id), _version_param(request))
    result = export_version(version, base_url=request.build_absolute_uri("/"))
    if not result.templates:
        return _problem_page(request, result.problems[0].label, result.problems[0].reasons)
    name = download_name(result, "json")
    return attachment(to_json(result.templates, single=True), "application/json", name, result)


@require_GET
def template_bpmn_download(request: HttpRequest, template_id: str) -> HttpResponse:
    """A process applying the version's template with its default values."""
    version = get_version(get_entry(template_id), _version_param(request))
    try:
        xml = template_bpmn(version.content)
    except BpmnExportError as exc:
        return _problem_page(request, str(version), exc.reasons)
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


def bpmn_name(template: dict[str, object]) -> str:
    from connectors.export.bundle import file_name

    return file_name(str(template.get("id", "process"))).removesuffix(".json") + ".bpmn"


def _version_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    return int(raw) if raw.lstrip("-").isdigit() else None


def _problem_page(request: HttpRequest, label: str, reasons: list[str]) -> HttpResponse:
    context = {"label": label, "reasons": reasons}
    return render(request, "connectors/export/problem.html", context, status=422)


@require_GET
def camunda7_download(request: HttpRequest) -> HttpResponse:
    """The Camunda 7 connector templates as one array."""
    result = export_templates(camunda7_templates())
    return attachment(
        to_json(result.templates), "application/json", "camunda7-connectors.json", result
    )
