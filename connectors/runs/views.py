"""Dry-runs in the web UI: history, a run's live page, re-run, and a plain start form.

A run belongs to whoever started it (staff see all): its values may hold what they typed into a
concealed field. Every view reads runs through `selectors.runs_visible_to(request.user)`, so
someone else's run answers 404 here, in the live fragment, on re-run and in "Edit JSON & run".

The run page polls `run-live` while the run is not done. That request is held for up to
LIVE_HOLD_SECONDS until the run changes (connectors.runs.events), so a finished run shows
within milliseconds; the answer for a finished run is 286, which stops htmx's polling. The hold
is longer than the polling interval, so htmx queues the next poll behind the held one and the
page is never without a request in flight; after a change short of done, the `run-changed`
event asks again at once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from connectors.catalogue.addresses import UNVERSIONED
from connectors.catalogue.selectors import get_entry, get_version
from connectors.models import (
    CatalogueEntry,
    Run,
    RunOutcome,
    RunSource,
    RunStatus,
    RunTestCase,
    SavedConfiguration,
)
from connectors.registry import UnknownJobType
from connectors.runs import events, masking, selectors, services, testcases
from connectors.runs.limits import RunLimitReached
from connectors.runs.stored import StoredOutcomeError

LIVE_HOLD_SECONDS = 1.5
PAGE_SIZE = 50


def run_list(request: HttpRequest, template_id: str = "") -> HttpResponse:
    template_id = template_id or request.GET.get("template", "")
    outcome = request.GET.get("outcome", "")
    runs = selectors.run_list(user=request.user, template_id=template_id, outcome=outcome)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = masking.shown_runs(page.object_list)
    for run in page.object_list:
        run.plain_message = plain_message(run.error_message)  # type: ignore[attr-defined]
    entry = CatalogueEntry.objects.filter(template_id=template_id).first() if template_id else None
    context = {
        "page": page,
        "template_id": template_id,
        "entry": entry,
        "outcome": outcome,
        "outcomes": RunOutcome.choices,
    }
    template = "connectors/runs/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#run-rows"
    return render(request, template, context)


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.get_run(pk, user=request.user)
    return render(request, "connectors/runs/detail.html", _detail_context(run, request.user))


def run_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the run page; held until the run moves past the status the page shows."""
    seen = request.GET.get("seen", "")
    visible = selectors.runs_visible_to(request.user).select_related("created_by")
    if not visible.filter(pk=pk).exists() and Run.objects.filter(pk=pk).exists():
        raise Http404(f"No run {pk}")  # someone else's

    def read() -> Run | None:
        return visible.filter(pk=pk).first()

    run = events.wait_for_change(
        pk, read, lambda r: r is not None and r.status == seen and not r.is_done, LIVE_HOLD_SECONDS
    )
    if run is None:
        return HttpResponseStopPolling("<p class='notice warn'>This run has been deleted.</p>")
    context = _live_context(masking.shown_run(run))
    html = render_to_string("connectors/runs/detail.html#live", context, request=request)
    if run.is_done:
        return HttpResponseStopPolling(html)
    response = HttpResponse(html)
    if run.status != seen:
        # ask again at once (not at the next tick): a run that just started may end any moment
        trigger_client_event(response, "run-changed", after="swap")
    return response


@require_POST
def run_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.get_run(pk, user=request.user)
    try:
        new = services.run_rerun(run=run, user=request.user)
    except ValidationError as exc:
        context = _detail_context(run, request.user)
        context["rerun_errors"] = exc.messages
        status = 429 if isinstance(exc, RunLimitReached) else 400
        return render(request, "connectors/runs/detail.html", context, status=status)
    return redirect("run-detail", pk=new.pk)


class RunForm(forms.Form):
    template = forms.CharField(label="Template id", max_length=255)
    version = forms.RegexField(
        regex=rf"^(?:[0-9]{{1,18}}|{UNVERSIONED})$",
        required=False,
        help_text=f"Empty: the default version; {UNVERSIONED}: the template without a version",
        error_messages={"invalid": f"Enter a version number such as 3, or {UNVERSIONED}."},
    )
    values = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "feel"}),
        required=False,
        help_text='Field values by id, as JSON: {"url": "https://…", "resultVariable": "out"}. '
        "Secrets stay references: {{secrets.NAME}}.",
    )
    variables = forms.CharField(
        label="Sample variables",
        widget=forms.Textarea(attrs={"rows": 5, "class": "feel"}),
        required=False,
        help_text="Process variables for = expressions, as JSON.",
    )

    def clean_version(self) -> int | str | None:
        text = self.cleaned_data["version"]
        return None if not text else UNVERSIONED if text == UNVERSIONED else int(text)

    def clean_values(self) -> Any:
        return _json_field(self.cleaned_data["values"])

    def clean_variables(self) -> Any:
        return _json_field(self.cleaned_data["variables"])


@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    """Start a run from JSON values (the configure page offers the same from a real form)."""
    form = RunForm(request.POST or None, initial=_initial(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = get_version(get_entry(data["template"]), data["version"])
            run = services.run_start(
                version=version,
                values=data["values"],
                variables=data["variables"],
                user=request.user,
                source=RunSource.WEB,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            status = 429 if isinstance(exc, RunLimitReached) else 200
        except Http404 as exc:  # no such template or version: name the field
            form.add_error("template", str(exc))
        else:
            return redirect("run-detail", pk=run.pk)
    runnable = CatalogueEntry.objects.order_by("name").values_list("template_id", "name")
    context = {"form": form, "entries": runnable}
    return render(request, "connectors/runs/new.html", context, status=status)


# -- helpers -----------------------------------------------------------------------------------


def _detail_context(run: Run, viewer: Any) -> dict[str, Any]:
    run = masking.shown_run(run)  # literals typed into concealed fields: *** (as configure)
    context = _live_context(run)
    theirs = run.created_by_id != viewer.pk
    context.update(
        {
            # A staff user looking at someone else's run: say whose secrets each button uses.
            "someone_elses": theirs,
            "target_hosts": selectors.target_hosts(run) if theirs else [],
            "rerun_as": _rerun_as(run, viewer) if theirs else None,
            "values_json": _pretty(run.values),
            "variables_json": _pretty(run.variables),
            "job_json": _pretty(run.job),
            "configure_url": configure_url(run),
            "history_url": reverse("connector-runs", args=[run.template_id]),
        }
    )
    return context


# connectors.runtime ends a failed job's message with its variables, as Camunda 8.9 does.
INCIDENT_VARIABLES = " | Error variables: "


def _live_context(run: Run) -> dict[str, Any]:
    failed = run.outcome == RunOutcome.FAILED
    context: dict[str, Any] = {
        "run": run,
        # The message once, plainly; Camunda's incident text stays in one collapsed detail.
        "message": plain_message(run.error_message) if failed else "",
        "not_here": _not_here(run) if failed else None,
        "statuses": _steps(run),
        "no_worker": selectors.waiting_without_worker(run),
    }
    try:
        record = run.outcome_record
    except StoredOutcomeError as exc:  # a row this hub cannot read: say so, show the rest
        return {**context, "unreadable": str(exc)}
    if record is None:
        return context
    trace = record.trace
    error_map = trace.error if trace is not None else None
    error_expression = trace.error_expression if trace is not None else None
    return {
        **context,
        "record": record,
        "output_json": _pretty(record.variables),
        "raw_json": _pretty(record.response),
        "job_result_json": _pretty(record.job_result) if record.job_result else "",
        "error_map_json": _pretty(error_map) if error_map else "",
        "error_expression_json": _pretty(error_expression) if error_expression else "",
        "bars": selectors.waterfall(record),
        "exchanges": [_exchange_view(x) for x in record.exchanges],
    }


def plain_message(incident_text: str) -> str:
    """A failed run's message without the error variables Camunda's incident text appends."""
    return incident_text.split(INCIDENT_VARIABLES, 1)[0]


def _not_here(run: Run) -> dict[str, str] | None:
    """For a run that failed because no connector serves its job type: where to export it."""
    if not run.error_message.startswith(str(UnknownJobType(run.job_type))):
        return None
    return {"export_url": f"{reverse('export')}?{urlencode({'id': run.template_id})}"}


def _rerun_as(run: Run, viewer: Any) -> Any:
    """Whose secret permissions a re-run by VIEWER would use (None: it would be refused)."""
    try:
        return services.rerun_secrets_as(run, viewer)
    except ValidationError:
        return None


def configure_url(run: Run) -> str | None:
    """The configure page of the run's template version, pre-filled from this run."""
    page = reverse("configure", args=[run.template_id, run.version])
    return f"{page}?{urlencode({'run': run.pk})}"


def _steps(run: Run) -> list[dict[str, Any]]:
    order = [RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DONE]
    reached = order.index(RunStatus(run.status))
    times = [run.created_at, run.started_at, run.finished_at]
    return [
        {"label": status.label, "at": times[i], "state": _state(i, reached)}
        for i, status in enumerate(order)
    ]


def _state(index: int, reached: int) -> str:
    if index < reached or reached == 2:
        return "past"
    return "current" if index == reached else "future"


def _exchange_view(exchange: dict[str, Any]) -> dict[str, Any]:
    """A stored exchange of any protocol for the run page. HTTP ones carry method, URL and
    headers; those stored before exchanges were protocol-neutral have no protocol, target or
    summary, which are derived here so that old runs still render."""
    view = dict(exchange)
    http = "method" in exchange
    view["protocol"] = exchange.get("protocol") or ("http" if http else "")
    view["is_http"] = http
    if not view.get("summary"):
        view["summary"] = f"{exchange.get('method')} {exchange.get('url')}" if http else ""
    view["request_headers_json"] = _pretty(exchange.get("request_headers") or {}) if http else ""
    view["response_headers_json"] = _pretty(exchange.get("response_headers") or {}) if http else ""
    view["request_body_text"] = _body(exchange.get("request_body"))
    view["response_body_text"] = _body(exchange.get("response_body"))
    return view


def _body(text: Any) -> str:
    if not isinstance(text, str):
        return "" if text is None else str(text)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _json_field(text: str) -> Any:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"Not valid JSON: {exc}") from None
    except RecursionError:
        raise ValidationError("Not valid JSON here: it is nested too deeply.") from None
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object ({…}).")
    return value


def _initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "template": request.GET.get("template", ""),
        "version": request.GET.get("version") or None,
        "values": "{}",
        "variables": "{}",
    }
    source = request.GET.get("from")
    if source and source.isdigit():
        run = selectors.get_run(int(source), user=request.user)  # someone else's: 404
        initial.update(
            template=run.template_id,
            version=UNVERSIONED if run.version is None else run.version,
            values=_pretty(run.values),
            variables=_pretty(run.variables),
        )
    return initial


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, texts in exc.message_dict.items():
        field = key.split(".", 1)[0]
        prefix = f"{key.split('.', 1)[1]}: " if "." in key else ""
        target = field if field in form.fields else None
        if field == "template":
            target = "template"
        for message in texts:
            form.add_error(target, f"{prefix}{message}")


# -- test cases --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def connector_tests(request: HttpRequest, template_id: str) -> HttpResponse:
    """The user's test cases of one connector; POST runs them all (one batch)."""
    if request.method == "POST":
        try:
            batch = testcases.run_test_cases(
                template_id=template_id,
                user=request.user,
                offline=request.POST.get("mode") == "offline",
            )
        except RunLimitReached as refused:
            messages.error(request, f"Not started: {refused.messages[0]}")
            return redirect("connector-tests", template_id=template_id)
        return redirect(f"{reverse('connector-tests', args=[template_id])}?batch={batch}")
    batch = _uuid(request.GET.get("batch", ""))
    rows = [
        _shown_row(row)
        for row in testcases.table_of_test_cases(
            template_id=template_id, user=request.user, batch=batch
        )
    ]
    running = any(row.run is not None and not row.run.is_done for row in rows)
    context = {
        "template_id": template_id,
        "entry": CatalogueEntry.objects.filter(template_id=template_id).first(),
        "rows": rows,
        "batch": batch,
        "running": running,
        "passed": sum(1 for row in rows if row.run is not None and row.run.test_passed),
        "failed": sum(1 for row in rows if row.run is not None and row.run.test_passed is False),
        "untested": SavedConfiguration.objects.filter(
            owner=request.user, template_id=template_id, test_case__isnull=True
        ),
    }
    if request.htmx and not request.htmx.boosted:
        html = render_to_string("connectors/runs/tests.html#test-table", context, request=request)
        return HttpResponse(html) if running else HttpResponseStopPolling(html)
    return render(request, "connectors/runs/tests.html", context)


class ExpectationsForm(forms.Form):
    expected_outcome = forms.ChoiceField(
        choices=[("", "any outcome"), *RunOutcome.choices], required=False
    )
    expected_error_code = forms.CharField(
        required=False, max_length=255, help_text="For a BPMN error or a failure; empty: any."
    )
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "feel"}),
        help_text="One FEEL condition per line, each must be true: response.status = 200, "
        'variables.id != null, error.code = "404", outcome = "completed".',
    )


@require_http_methods(["GET", "POST"])
def test_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Expectations of one of the user's saved configurations (someone else's is a 404)."""
    configuration = get_object_or_404(SavedConfiguration, pk=pk, owner=request.user)
    existing = RunTestCase.objects.filter(configuration=configuration).first()
    initial = {}
    if existing is not None:
        initial = {
            "expected_outcome": existing.expected_outcome,
            "expected_error_code": existing.expected_error_code,
            "conditions": "\n".join(existing.conditions),
        }
    form = ExpectationsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            testcases.save_test_case(
                configuration=configuration,
                expected_outcome=data["expected_outcome"],
                expected_error_code=data["expected_error_code"],
                conditions=data["conditions"].splitlines(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("connector-tests", template_id=configuration.template_id)
    context = {"form": form, "configuration": configuration, "existing": existing}
    return render(request, "connectors/runs/test_case.html", context)


def _shown_row(row: testcases.Row) -> testcases.Row:
    """ROW with concealed literals masked in its runs, their verdicts and the changes."""
    runs = [run for run in (row.run, row.previous) if run is not None]
    for run in runs:
        row.changes = [masking.redactor_for(run).redact_text(line) for line in row.changes]
    row.run = masking.shown_run(row.run) if row.run is not None else None
    return row


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
