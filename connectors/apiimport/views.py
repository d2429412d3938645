"""The import page: a file or a URL, then a preview (templates, operations, fields, what is
left out and why), then saving. Between the two steps the description waits in a private
folder under the data folder, named by a random token and tied to the user who uploaded it;
unsaved previews are dropped after a day."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from connectors.catalogue.importing import IMPORT_FORBIDDEN, can_import
from connectors.models import ImportSource

from .errors import ApiDescriptionError
from .generating import Options
from .reading import MAX_DESCRIPTION_BYTES
from .services import Preview, api_import, api_preview, api_preview_from_url

PAGE = "connectors/apiimport/import.html"
PREVIEW = "connectors/apiimport/preview.html"


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request, "connectors/import_forbidden.html", {"message": IMPORT_FORBIDDEN}, status=403
    )


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: read the description and show the preview (nothing stored)."""
    if not can_import(request.user):
        return _forbidden(request)
    if request.method == "GET":
        return render(request, PAGE, {"form": {}})
    form: dict[str, Any] = {
        k: request.POST.get(k, "").strip() for k in ("url", "base_url", "operations")
    }
    form["per_operation"] = request.POST.get("per_operation") == "on"
    upload = request.FILES.get("file")
    try:
        if upload is None and not form["url"]:
            raise ApiDescriptionError("choose a file or give a URL")
        if upload is not None and (upload.size or 0) > MAX_DESCRIPTION_BYTES:
            raise ApiDescriptionError("the file is larger than a description may be")
        raw = upload.read() if upload is not None else None
        preview, raw = _preview(form, raw, (upload.name or "") if upload else "")
    except ApiDescriptionError as exc:
        return render(request, PAGE, {"form": form, "error": str(exc)}, status=400)
    token = _stash(request, form, raw, preview.source_name)
    return render(request, PREVIEW, {"preview": preview, "token": token, "rows": _rows(preview)})


@require_POST
def import_save(request: HttpRequest) -> HttpResponse:
    """Store what the preview showed (read again from the stash: the same templates)."""
    if not can_import(request.user):
        return _forbidden(request)
    stashed = _unstash(request, request.POST.get("token", ""))
    if stashed is None:
        messages.error(request, "This preview has expired or is not yours; upload it again.")
        return redirect("api-import")
    form, raw, name = stashed
    try:
        preview, _ = _preview(form, raw, name)
    except ApiDescriptionError as exc:
        messages.error(request, f"Nothing imported: {exc}")
        return redirect("api-import")
    result = api_import(preview, source=ImportSource.UPLOAD, user=request.user)
    if not result.ok:
        for error in result.errors[:10]:
            messages.error(request, error)
        return redirect("api-import")
    for t in result.templates:
        messages.success(request, f"{t.name} ({t.template_id} v{t.version}): {t.status}")
    return redirect("catalogue")


def _preview(form: dict[str, Any], raw: bytes | None, name: str) -> tuple[Preview, bytes]:
    kwargs: dict[str, Any] = {
        "options": Options(per_operation=bool(form["per_operation"]), base_url=form["base_url"]),
        "operations": [o for o in form["operations"].split(",") if o.strip()],
    }
    if raw is None:
        preview = api_preview_from_url(form["url"], **kwargs)
        return preview, b""
    return api_preview(raw, source_name=name or "upload", **kwargs), raw


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "api-imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


STASH_SECONDS = 24 * 3600  # a preview not saved within a day is dropped


def _stash(request: HttpRequest, form: dict[str, Any], raw: bytes, name: str) -> str:
    cutoff = time.time() - STASH_SECONDS
    for old in _folder().iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    meta = {"user": request.user.pk, "form": form, "name": name}
    (_folder() / f"{token}.json").write_text(json.dumps(meta))
    (_folder() / f"{token}.bin").write_bytes(raw)
    return token


def _unstash(request: HttpRequest, token: str) -> tuple[dict[str, Any], bytes | None, str] | None:
    if not token.replace("-", "").replace("_", "").isalnum():
        return None
    meta_path, raw_path = _folder() / f"{token}.json", _folder() / f"{token}.bin"
    if not meta_path.is_file() or not raw_path.is_file():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("user") != request.user.pk:
        return None
    raw = raw_path.read_bytes()
    meta_path.unlink()
    raw_path.unlink()
    # a URL import is fetched again: the stash keeps only what was uploaded
    return meta["form"], (raw if not meta["form"].get("url") else None), meta["name"]


def _rows(preview: Preview) -> list[dict[str, Any]]:
    """Per template, its operations with the fields each shows (label, kind, required)."""
    rows = []
    for generated in preview.templates:
        props = generated.template["properties"]
        operations = []
        for op in generated.operations:
            prefix = f"{op.key}."
            fields = [
                {"label": p.get("label", ""), "type": p["type"],
                 "required": bool((p.get("constraints") or {}).get("notEmpty"))}
                for p in props
                if str(p.get("id", "")).startswith(prefix) and p["type"] != "Hidden"
            ]  # fmt: skip
            operations.append({"op": op, "fields": fields})
        auth: dict[str, Any] = next((p for p in props if p.get("id") == "authentication.type"), {})
        choices = [c["name"] for c in auth.get("choices", [])] or [auth.get("value", "")]
        rows.append({"template": generated.template, "operations": operations, "auth": choices})
    return rows
