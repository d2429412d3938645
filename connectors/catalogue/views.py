"""The connector catalogue: browse, search, filter, import, and one connector's details."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_to_bytes

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from connectors.catalogue.describe import describe_groups
from connectors.catalogue.importing import (
    IMPORT_FORBIDDEN,
    ImportReport,
    can_import,
    import_documents,
)
from connectors.catalogue.npm import NpmFetchError, fetch_package_templates
from connectors.catalogue.removing import EntryNotDeletable, configurations_using, delete_entry
from connectors.catalogue.selectors import (
    CatalogueFilters,
    data_image,
    element_label,
    entry_icon_contents,
    entry_icon_src,
    facet_options,
    get_entry,
    get_version,
    icon_contents,
    icon_src,
    lookalikes,
    runnable_job_types,
    search_entries,
    version_list,
)
from connectors.elementtemplates.loading import MAX_DOCUMENT_BYTES
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource

PAGE_SIZE = 30
MAX_UPLOAD_FILES = 200


def catalogue(request: HttpRequest) -> HttpResponse:
    filters = _filters_from(request)
    page = Paginator(search_entries(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    icons = icon_contents(list(page.object_list))
    alike = lookalikes(list(page.object_list))
    for entry in page.object_list:
        entry.icon_src = icon_src(entry.template_id, icons.get(entry.pk, ""))
        # Cards with the same name show what differs: the id and the BPMN element.
        entry.name_shared = entry.name in alike.shared_names
        entry.element_label = _element_of(entry)
        entry.twins = alike.twins.get(entry.template_id, [])
    context = {
        "page": page,
        "filters": filters,
        "runnable": runnable_job_types(),
        "query_string": _query_without_page(request),
        "can_import": can_import(request.user),
    }
    # Only the filters and the pager ask for the results alone; the import forms' redirects
    # land here as htmx requests too, and they need the whole page (with its messages).
    if request.htmx and request.htmx.target == "results":
        return render(request, "connectors/catalogue.html#results", context)
    context["facets"] = facet_options()
    return render(request, "connectors/catalogue.html", context)


def entry_detail(
    request: HttpRequest, template_id: str, version: int | None = None
) -> HttpResponse:
    entry = get_entry(template_id)
    selected = get_version(entry, version)
    context = {
        "entry": entry,
        "selected": selected,
        "template": selected.content,
        "versions": version_list(entry),
        "groups": describe_groups(selected.content),
        "runs_here": selected.job_type in runnable_job_types(),
        "icon_src": entry_icon_src(entry),
        "twins": lookalikes([entry]).twins.get(entry.template_id, []),
        "can_delete": entry.kind == ConnectorKind.TEMPLATE and can_import(request.user),
    }
    return render(request, "connectors/entry_detail.html", context)


def entry_icon(request: HttpRequest, template_id: str) -> HttpResponse:
    """The entry's embedded (data:) icon; 404 for every other kind of icon, or a malformed one."""
    decoded = _decode_data_uri(entry_icon_contents(get_entry(template_id)))
    if decoded is None:
        return HttpResponse(status=404)
    media_type, body = decoded
    response = HttpResponse(body, content_type=media_type)
    # An SVG icon is shown through <img>, where scripts never run; this keeps it inert even
    # when opened directly.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    if not can_import(request.user):
        return _import_forbidden(request)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, "Choose one or more .json files to import.")
        return redirect("catalogue")
    if len(files) > MAX_UPLOAD_FILES:
        messages.error(request, f"At most {MAX_UPLOAD_FILES} files can be imported at once.")
        return redirect("catalogue")
    for upload in files:
        if upload.size and upload.size > MAX_DOCUMENT_BYTES:
            limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
            messages.error(request, f"{upload.name}: larger than {limit} MiB; not imported.")
    documents = [
        (f.name or "upload.json", f.read())
        for f in files
        if not (f.size and f.size > MAX_DOCUMENT_BYTES)
    ]
    if documents:
        report = import_documents(documents, source=ImportSource.UPLOAD, user=request.user)
        _report_messages(request, report)
    return redirect("catalogue")


@require_POST
def import_npm(request: HttpRequest) -> HttpResponse:
    if not can_import(request.user):
        return _import_forbidden(request)
    spec = request.POST.get("spec", "").strip()
    try:
        documents = fetch_package_templates(spec)
    except NpmFetchError as exc:
        messages.error(request, f"Nothing imported: {exc}.")
        return redirect("catalogue")
    report = import_documents(documents, source=ImportSource.NPM, user=request.user)
    _report_messages(request, report, label=spec)
    return redirect("catalogue")


def entry_delete(request: HttpRequest, template_id: str) -> HttpResponse:
    """GET: what deleting the imported template means; POST: delete it (importers only)."""
    if not can_import(request.user):
        return _import_forbidden(request)
    entry = get_entry(template_id)
    if request.method == "POST":
        try:
            deleted = delete_entry(entry, user=request.user)
        except EntryNotDeletable as exc:
            messages.error(request, f"Nothing deleted: {exc}.")
            return redirect("catalogue-entry", template_id=template_id)
        versions = f"{deleted.versions} version{'s' if deleted.versions != 1 else ''}"
        messages.success(request, f"Deleted “{deleted.name}” ({deleted.template_id}, {versions}).")
        return redirect("catalogue")
    using = configurations_using(template_id)
    context = {
        "entry": entry,
        "deletable": entry.kind == ConnectorKind.TEMPLATE,
        "versions": entry.versions.count(),
        "using_count": using.count(),
        "own": list(using.filter(owner=request.user).order_by("name")[:50]),
    }
    return render(request, "connectors/entry_delete.html", context)


def _import_forbidden(request: HttpRequest) -> HttpResponse:
    """403, before any upload is read or any package fetched."""
    context = {"message": IMPORT_FORBIDDEN}
    return render(request, "connectors/import_forbidden.html", context, status=403)


def _report_messages(request: HttpRequest, report: ImportReport, label: str = "") -> None:
    prefix = f"{label}: " if label else ""
    level = messages.ERROR if report.failed else messages.SUCCESS
    messages.add_message(
        request, level, format_html("{}{}.{}", prefix, report.summary(), _imported_links(report))
    )
    for document in report.documents:
        for warning in document.warnings[:20]:
            messages.warning(request, warning)
    for document in report.failed:
        for error in document.errors[:20]:
            messages.error(request, error)
        if len(document.errors) > 20:
            messages.error(
                request, f"{document.source_name}: {len(document.errors) - 20} more errors"
            )


MAX_LINKS = 10


def _imported_links(report: ImportReport) -> str:
    """` Imported: <a>name</a>, ...`: the connectors an import added or changed, linked."""
    touched: dict[str, str] = {}
    for document in report.documents:
        for template in document.templates:
            if template.status != "unchanged":
                touched.setdefault(template.template_id, template.name or template.template_id)
    if not touched:
        return ""
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((entry_url(tid), name) for tid, name in list(touched.items())[:MAX_LINKS]),
    )
    more = len(touched) - MAX_LINKS
    tail = f" and {more} more" if more > 0 else ""
    return format_html(" Open: {}{}.", links, tail)


def _filters_from(request: HttpRequest) -> CatalogueFilters:
    runs_here = request.GET.get("runs_here", "")
    return CatalogueFilters(
        q=request.GET.get("q", "").strip()[:200],
        category=request.GET.get("category", ""),
        kind=request.GET.get("kind", ""),
        applies_to=request.GET.get("applies_to", ""),
        runs_here={"yes": True, "no": False}.get(runs_here),
    )


def _element_of(entry: CatalogueEntry) -> str:
    """The element the template makes (elementType), else the first it applies to."""
    element = entry.element_type or next(iter(entry.applies_to), "")
    return element_label(element) if element else ""


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _decode_data_uri(contents: str) -> tuple[str, bytes] | None:
    parsed = data_image(contents)
    if parsed is None:
        return None
    media_type, is_base64, start = parsed
    data = contents[start:]
    try:
        body = base64.b64decode(data) if is_base64 else unquote_to_bytes(data)
    except (binascii.Error, ValueError):
        return None
    return media_type, body


def entry_url(template_id: str) -> str:
    return reverse("catalogue-entry", args=[template_id])
