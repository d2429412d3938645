"""The test console's pages for consumer and HTTP polling elements (console_views dispatches to
them by the element's inbound type), and the watch fragment a live run's page polls until the
running consumer has answered (or the wait is over).

A dry run is for every signed-in user; live mode (publish to the real source, or send the
poller's real request) is for staff, for deployed elements, with a confirmation.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from connectors.builtin.aws.sqs_inbound import TYPE as SQS
from connectors.builtin.http.polling import TYPE as POLLING
from connectors.builtin.rabbitmq.inbound import TYPE as RABBITMQ
from connectors.inbound import console_consumer, console_polling
from connectors.inbound.console import Target
from connectors.inbound.console_events import FLAVOURS
from connectors.inbound.models import ElementState, InboundElement
from connectors.inbound.sample import SampleError
from connectors.inbound.sample_messages import FIELDS, message_from_form, poll_from_form

TEMPLATE = "connectors/inbound/console_consumer.html"
BODY = '{"orderId": "A1", "status": "paid"}'
DEFAULTS = {"body": BODY, "variables": '{"orderId": "A1"}', "status": "200",
            "answer_headers": "Content-Type: application/json", "answer": BODY}  # fmt: skip
PROPERTIES_DEFAULT = {RABBITMQ: '{"contentType": "application/json"}'}
# (headers, properties, the properties' hint) as each source names them
LABELS = {
    RABBITMQ: ("Headers", "Properties", ": contentType, messageId, correlationId, headers, ..."),
    SQS: ("Message attributes", "Attributes", ": system attributes, e.g. SenderId"),
}


def is_consumer_type(inbound_type: str) -> bool:
    """Whether the console can test elements of INBOUND_TYPE as a consumer or a poller."""
    return inbound_type in FLAVOURS or inbound_type == POLLING


def consumer_console(
    request: HttpRequest, target: Target, *, title: str, back: str, element_pk: int | None
) -> HttpResponse:
    inbound_type = target.connector.type
    polling = inbound_type == POLLING
    typed = {**DEFAULTS, "properties": PROPERTIES_DEFAULT.get(inbound_type, "")}
    report, error, status, watch_url = None, None, 200, ""
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in (*FIELDS, "mode", "confirm")}
        try:
            live = _live(request, target, typed)
            if polling:
                report = console_polling.run(
                    target, poll_from_form(typed), live=live, actor=request.user
                )
            else:
                sample = message_from_form(typed)
                report = console_consumer.run(target, sample, live=live, actor=request.user)
        except SampleError as exc:
            error, status = exc, 400
        if report is not None and report.watch is not None and element_pk is not None:
            watch_url = _watch_url(element_pk, *report.watch)
    context = {
        "title": title,
        "back": back,
        "target": target,
        "typed": typed,
        "report": report,
        "error": error,
        "polling": polling,
        "fields": () if polling else FLAVOURS[inbound_type].fields,
        "label": "HTTP answer" if polling else FLAVOURS[inbound_type].label,
        "can_live": target.deployed and request.user.is_staff,  # type: ignore[union-attr]
        "watch_url": watch_url,
    }
    headers, properties, hint = LABELS.get(inbound_type, ("Headers", "Properties", ""))
    context |= {"headers_label": headers, "properties_label": properties, "properties_hint": hint}
    if request.htmx and not request.htmx.boosted:
        # htmx swaps 2xx answers only: the error is in the fragment either way
        return render(request, f"{TEMPLATE}#console", context)
    return render(request, TEMPLATE, context, status=status)


def _live(request: HttpRequest, target: Target, typed: dict[str, str]) -> bool:
    live = typed["mode"] == "live"
    if live and not target.deployed:
        raise SampleError("mode", "live mode needs a deployed element; deploy the process first")
    if live and not request.user.is_staff:  # type: ignore[union-attr]
        raise PermissionDenied("Only staff can publish to a source from the console.")
    if live and typed["confirm"] != "yes":
        raise SampleError("mode", "tick the confirmation to publish for real")
    return live


def _watch_url(element_pk: int, after: int, since: float, message_id: str) -> str:
    query = urlencode({"after": after, "since": f"{since:.3f}", "message": message_id})
    return f"{reverse('inbound-console-watch', args=[element_pk])}?{query}"


def element_watch(request: HttpRequest, pk: int) -> HttpResponse:
    """The element's activity since a live run published: what the running consumer did."""
    if not request.user.is_staff:  # type: ignore[union-attr]
        raise PermissionDenied("Only staff can watch a live run.")
    row = get_object_or_404(InboundElement.objects.exclude(state=ElementState.INACTIVE), pk=pk)
    try:
        after = int(request.GET.get("after", "0"))
        since = float(request.GET.get("since", "0"))
    except ValueError:
        return HttpResponse("after and since must be numbers", status=400)
    rows = InboundElement.objects.filter(deduplication_id=row.deduplication_id).exclude(
        state=ElementState.INACTIVE
    )
    message_id = request.GET.get("message", "")
    watched = console_consumer.watch([r.pk for r in rows], after, since, message_id)
    context = {"watched": watched, "watch_url": request.get_full_path(), "report": None}
    return render(request, f"{TEMPLATE}#watch", context)
