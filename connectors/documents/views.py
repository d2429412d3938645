"""The document store's pages: attach a sample document to a dry-run's variables, download a
document a run produced. Downloads follow the run's visibility (`runs_visible_to`): someone
else's document answers 404."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from connectorhub_sdk import DocumentNotFound
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from connectors.documents.links import link_resolve
from connectors.documents.selectors import document_get, document_shown_content
from connectors.documents.services import document_upload
from connectors.documents.store import document_content, reference_of
from connectors.models import StoredDocument
from connectors.runs.selectors import runs_visible_to

# A variable name a FEEL expression can use without quoting
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@require_POST
def sample_document_upload(request: HttpRequest) -> JsonResponse:
    """Store the uploaded `file`; answer its reference under the name in `variable`."""
    name = request.POST.get("variable", "").strip()
    upload = request.FILES.get("file")
    if not VARIABLE_NAME.fullmatch(name):
        return _refused("Variable name: use letters, digits and _, not starting with a digit.")
    if upload is None:
        return _refused("File: choose a file to attach.")
    reference = document_upload(
        content=upload.read(),
        file_name=upload.name or "",
        content_type=upload.content_type or "",
        uploaded_by=request.user,
    )
    return JsonResponse({"name": name, "reference": reference.as_json()})


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@require_GET
def document_download(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The document's bytes as an attachment (never shown inline: it may be HTML)."""
    row = document_get(document_id)
    if row is None or not _may_see(request, row):
        raise Http404("No such document")
    return _attachment_response(row)


@login_not_required  # the signed, expiring link is the permission (links.py)
@require_GET
def document_link_download(request: HttpRequest, token: str) -> HttpResponse:
    """A document link's download; 410 once the link or the document has expired."""
    answer = link_resolve(token)
    if answer.gone:
        return HttpResponse(
            "This document link has expired.", status=410, content_type="text/plain"
        )
    if answer.row is None:
        raise Http404("No such document")
    return _attachment_response(answer.row)


def _attachment_response(row: StoredDocument) -> HttpResponse:
    try:
        content = document_content(reference_of(row))
    except DocumentNotFound:
        raise Http404("The document has expired or its content is gone") from None
    content = document_shown_content(row, content)
    response = HttpResponse(content, content_type=row.content_type or "application/octet-stream")
    filename = row.file_name or f"{row.document_id}"
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


def _may_see(request: HttpRequest, row: StoredDocument) -> bool:
    """A run's document: whoever may see the run; an upload: its uploader; a live job's: staff."""
    user = request.user
    if row.run_id is not None:
        return runs_visible_to(user).filter(pk=row.run_id).exists()
    if row.uploaded_by_id is not None:
        return row.uploaded_by_id == user.pk or bool(getattr(user, "is_staff", False))
    return bool(getattr(user, "is_staff", False))


def _attachment(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
