"""Pinned recordings in the web UI: pin a run's exchanges to its test case, and edit a pinned
exchange (status, headers, body, latency, a connection error; for SQL the result or an error)
to make a test case for an error path (docs/replay.md).

A test case is its configuration owner's: someone else's answers 404, as its runs do.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from connectors.catalogue.importing import can_import
from connectors.models import ImportSource, RunTestCase
from connectors.network.recording import describe
from connectors.runs import recordings, selectors
from connectors.runs.suites import SuiteError, export_suite, import_suites, unpack_suite


def _test_case(request: HttpRequest, configuration_pk: int) -> RunTestCase:
    return get_object_or_404(
        RunTestCase.objects.select_related("configuration"),
        configuration_id=configuration_pk,
        configuration__owner=request.user,
    )


@require_POST
def run_pin(request: HttpRequest, pk: int) -> HttpResponse:
    """Pin run PK's exchanges as its test case's recording."""
    run = selectors.get_run(pk, user=request.user)
    if run.test_case_id is None:
        messages.error(request, "This run checks no test case: there is nothing to pin it to.")
        return redirect("run-detail", pk=pk)
    test_case = _test_case(request, run.test_case.configuration_id)
    try:
        recordings.pin_recording(test_case=test_case, run=run)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("run-detail", pk=pk)
    messages.success(request, f"Run #{run.pk}'s exchanges are now the test case's recording.")
    return redirect("test-case-recording", pk=test_case.configuration_id)


@require_http_methods(["GET", "POST"])
def recording_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The pinned recording of configuration PK's test case; POST `unpin` drops it."""
    test_case = _test_case(request, pk)
    if request.method == "POST" and "unpin" in request.POST:
        recordings.unpin_recording(test_case=test_case)
        messages.success(request, "Unpinned: offline runs replay the latest live run again.")
        return redirect("test-case-recording", pk=pk)
    shown = recordings.shown_recording(test_case.recording or {}, test_case.configuration)
    entries = shown.get("exchanges", [])
    context = {
        "test_case": test_case,
        "configuration": test_case.configuration,
        "exchanges": [_form_context(test_case, i, e, {}, {}) for i, e in enumerate(entries)],
    }
    return render(request, "connectors/runs/recording.html", context)


@require_POST
def recording_edit(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """Save one pinned exchange from its form; the form again (htmx) with the problems."""
    test_case = _test_case(request, pk)
    fields = {key: request.POST.get(key, "") for key in recordings.FORM_FIELDS}
    errors: dict[str, list[str]] = {}
    try:
        recordings.edit_exchange(test_case=test_case, index=index, fields=fields)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"exchange": exc.messages}
    entries = (test_case.recording or {}).get("exchanges", [])
    if not 0 <= index < len(entries):
        return HttpResponse(status=404)
    context = {"x": _form_context(test_case, index, entries[index], fields, errors)}
    context["x"]["saved"] = not errors
    if request.htmx:
        return render(request, "connectors/runs/recording.html#exchange-form", context)
    if errors:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
    return redirect("test-case-recording", pk=pk)


def suite_download(request: HttpRequest, template_id: str) -> HttpResponse:
    """The user's suite of TEMPLATE_ID as a zip of its folder (connectors.runs.suites), to
    unpack into a repository; `manage.py connector_suite import` reads it back."""
    with tempfile.TemporaryDirectory() as folder:
        root = export_suite(template_id=template_id, owner=request.user, folder=Path(folder))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.iterdir()):
                archive.write(path, f"{root.name}/{path.name}")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{root.name}.zip"'
    return response


@require_POST
def suite_upload(request: HttpRequest, template_id: str) -> HttpResponse:
    """Import a suite zip as the user's configurations; conflicts are named and nothing is
    written unless the form's `overwrite` box is ticked."""
    upload = request.FILES.get("suite")
    if upload is None:
        messages.error(request, "Choose a suite zip to import.")
        return redirect("connector-tests", template_id=template_id)
    try:
        with tempfile.TemporaryDirectory() as folder:
            unpack_suite(upload, Path(folder))
            report = import_suites(
                path=Path(folder),
                owner=request.user,
                force=bool(request.POST.get("overwrite")),
                templates=can_import(request.user),
                source=ImportSource.UPLOAD,
            )
    except SuiteError as exc:
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect("connector-tests", template_id=template_id)
    messages.success(
        request,
        f"Imported: {len(report.created)} new, {len(report.updated)} overwritten, "
        f"{len(report.unchanged)} unchanged.",
    )
    return redirect("connector-tests", template_id=template_id)


def _form_context(
    test_case: RunTestCase,
    index: int,
    entry: dict[str, Any],
    typed: dict[str, str],
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """One exchange's form: what was typed (after a refused save) or what is stored."""
    response = entry.get("response") or {}
    stored = {
        "status": "" if response.get("status") is None else str(response.get("status")),
        "headers": json.dumps(response.get("headers") or {}, indent=2, ensure_ascii=False),
        "body": response.get("body") or "",
        "result": json.dumps(response.get("result"), indent=2, ensure_ascii=False),
        "latency_ms": f"{entry.get('latency_ms') or 0:g}",
        "error": entry.get("error") or "",
    }
    return {
        "index": index,
        "configuration_id": test_case.configuration_id,
        "is_http": entry.get("protocol") == "http",
        "protocol": entry.get("protocol"),
        "title": describe(entry),
        "values": {**stored, **typed} if errors else stored,
        "errors": errors,
        "saved": False,
    }
