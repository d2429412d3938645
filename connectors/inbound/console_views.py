"""The test console's pages: one for a deployed inbound element (the Inbound page's "Test"
link) and one for an inbound template as configured in a form (the configure page's "Test"
action, whose values are kept in the session: never echoed into a page). Webhooks are served
here; consumer and polling elements by console_consumer_views.

The sample request comes from the form's fields or a pasted curl command (connectors.inbound
.sample); console.run sends it through the element's connector. A dry run is for every signed-in
user; live mode (a real correlation) is for staff, for deployed elements, with a confirmation.
"""

from __future__ import annotations

import secrets
from typing import Any

from connectorhub_sdk.inbound import InboundConnector
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connectors.configure import template_for, values_from_post
from connectors.elementtemplates import ElementTemplate, bpmn_view, resolve
from connectors.inbound import console
from connectors.inbound.console_consumer_views import consumer_console, is_consumer_type
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.keywords import INBOUND_TYPE, WEBHOOK_CONTEXT
from connectors.inbound.models import ElementKind, ElementState, InboundElement
from connectors.inbound.registry import UnknownInboundType, inbound_registry
from connectors.inbound.sample import METHODS, Sample, SampleError, from_curl, from_form
from connectors.models import TemplateVersion

SESSION_KEY = "inbound_console_drafts"
KEEP_DRAFTS = 10
FIELDS = ("method", "target", "headers", "body", "curl", "mode", "confirm")
DEFAULTS = {"method": "POST", "headers": "Content-Type: application/json", "body": "{}"}
# a template's element type -> the element kind the runtime gives it (bpmn.py's _kind)
KINDS = {
    "bpmn:StartEvent": ElementKind.START_EVENT,
    "bpmn:IntermediateCatchEvent": ElementKind.INTERMEDIATE_CATCH,
    "bpmn:BoundaryEvent": ElementKind.BOUNDARY,
    "bpmn:ReceiveTask": ElementKind.RECEIVE_TASK,
}


def element_console(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(
        InboundElement.objects.select_related("process").exclude(state=ElementState.INACTIVE),
        pk=pk,
    )
    rows = (
        InboundElement.objects.filter(deduplication_id=row.deduplication_id)
        .exclude(state=ElementState.INACTIVE)
        .select_related("process")
        .order_by("pk")
    )
    target = console.Target(
        console_connector(row.inbound_type),
        [ActiveElement.of(r) for r in rows],
        f"/inbound/{row.context_path}",
        deployed=True,
    )
    title = (
        f"{row.process.process_id} v{row.process.version} / {row.element_name or row.element_id}"
    )
    if target.connector.kind != "webhook":
        return consumer_console(
            request, target, title=title, back=reverse("inbound"), element_pk=row.pk
        )
    return _console(request, target, title=title, back=reverse("inbound"))


@require_POST
def draft_start(request: HttpRequest, version_pk: int) -> HttpResponse:
    """The configure form's values, kept in the session under a new token."""
    version = get_object_or_404(TemplateVersion, pk=version_pk)
    values = values_from_post(template_for(version), request.POST)
    _draft_target(version, values)  # 404 unless the console can test the template
    drafts = request.session.get(SESSION_KEY, {})
    token = secrets.token_urlsafe(12)
    drafts[token] = {"version": version.pk, "values": values}
    request.session[SESSION_KEY] = dict(list(drafts.items())[-KEEP_DRAFTS:])
    return redirect("inbound-console-draft", token=token)


def draft_console(request: HttpRequest, token: str) -> HttpResponse:
    draft = request.session.get(SESSION_KEY, {}).get(token)
    if draft is None:
        raise Http404("This test console has expired: open it again from the configure page.")
    version = get_object_or_404(
        TemplateVersion.objects.select_related("entry"), pk=draft["version"]
    )
    target = _draft_target(version, draft["values"])
    back = reverse("configure", args=[version.entry.template_id, version.version])
    if version.version is None:
        back = reverse("configure-default", args=[version.entry.template_id])
    title = f"{version.name} (as configured)"
    if target.connector.kind != "webhook":
        return consumer_console(request, target, title=title, back=back, element_pk=None)
    return _console(request, target, title=title, back=back)


def console_kind(template: ElementTemplate) -> str:
    """What the console tests for TEMPLATE: "webhook", "consumer" (a consumer or a poller it
    knows), or "" (the configure page offers no console)."""
    for prop in template.properties:
        if prop.binding.type == "zeebe:property" and prop.binding.name == INBOUND_TYPE:
            try:
                return console_connector(str(prop.value)).kind
            except Http404:
                return ""
    return ""


def console_connector(inbound_type: str) -> InboundConnector:
    """The inbound connector of INBOUND_TYPE when the console can test it; else 404."""
    try:
        connector = inbound_registry().get(inbound_type)
    except UnknownInboundType:
        raise Http404(f"no inbound connector serves {inbound_type}") from None
    if connector.kind != "webhook" and not is_consumer_type(inbound_type):
        raise Http404(f"the test console cannot run {inbound_type}")
    return connector


def _draft_target(version: TemplateVersion, values: dict[str, Any]) -> console.Target:
    """The element the Modeler would write for these values: its `zeebe:property` bindings,
    its kind and message name (the webhooks' corpus test reads properties the same way)."""
    template = template_for(version)
    if not console_kind(template):
        raise Http404(f"{version.name} is not an inbound template the console can test")
    resolved = resolve(template, values)
    view = bpmn_view(template, resolved=resolved)
    properties = {p["name"]: p["value"] for p in view.properties if "value" in p}
    message = ""
    for prop in resolved.active:
        if prop.binding.type == "bpmn:Message#property" and prop.binding.name == "name":
            message = str(resolved.value_of(prop) or "")
    definition = template.element_type.event_definition if template.element_type else None
    kind = KINDS.get(template.target_type, ElementKind.INTERMEDIATE_CATCH)
    if kind == ElementKind.START_EVENT and definition == "bpmn:MessageEventDefinition":
        kind = ElementKind.MESSAGE_START_EVENT
    element = ActiveElement(
        0, "(not deployed)", 0, "(this form)", kind, message or "(set when deployed)", properties
    )
    path = f"/inbound/{properties.get(WEBHOOK_CONTEXT, '').strip().strip('/')}"
    connector = console_connector(properties[INBOUND_TYPE])
    return console.Target(connector, [element], path, deployed=False)


def _console(
    request: HttpRequest, target: console.Target, *, title: str, back: str
) -> HttpResponse:
    typed = dict(DEFAULTS)
    report, error, status = None, None, 200
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            sample, live = _sample(request, target, typed)
            typed |= _typed(sample)
            base_url = request.build_absolute_uri("/")
            report = console.run(target, sample, live=live, base_url=base_url, actor=request.user)
        except SampleError as exc:
            error, status = exc, 400
    context = {
        "title": title,
        "back": back,
        "target": target,
        "typed": typed,
        "report": report,
        "error": error,
        "can_live": target.deployed and request.user.is_staff,  # type: ignore[union-attr]
        "methods": METHODS,
    }
    if request.htmx and not request.htmx.boosted:
        # htmx swaps 2xx answers only: the error is in the fragment either way
        return render(request, "connectors/inbound/console.html#console", context)
    return render(request, "connectors/inbound/console.html", context, status=status)


def _sample(
    request: HttpRequest, target: console.Target, typed: dict[str, str]
) -> tuple[Sample, bool]:
    if typed["curl"].strip():
        sample = from_curl(typed["curl"])
    else:
        sample = from_form(typed["method"], typed["target"], typed["headers"], typed["body"])
    live = typed["mode"] == "live"
    if live and not target.deployed:
        raise SampleError("mode", "live mode needs a deployed element; deploy the process first")
    if live and not request.user.is_staff:  # type: ignore[union-attr]
        raise PermissionDenied("Only staff can correlate with the engine from the console.")
    if live and typed["confirm"] != "yes":
        raise SampleError("mode", "tick the confirmation to correlate with the engine for real")
    return sample, live


def _typed(sample: Sample) -> dict[str, str]:
    """The form's fields as the request was read (a curl command fills them and is cleared)."""
    return {
        "method": sample.method,
        "target": sample.target,
        "headers": sample.headers_text,
        "body": sample.body,
        "curl": "",
    }
