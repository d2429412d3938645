"""The webhook endpoint: `/inbound/<context>` (and `/inbound/<tenant>/<context>`), outside
sign-in and CSRF (Camunda's InboundWebhookRestController).

Each request goes to the active webhook executable whose `inbound.context` is the path: its
connector's `@webhook` function gets a `WebhookRequest` (lower-case headers, the raw body) and a
real InboundContext, and its `WebhookResponse` is the answer. What the runtime adds to that
answer: no executable at the path is 404 with a JSON body; a body over
CONNECTORHUB_INBOUND_MAX_BODY_BYTES is 413 (connectors.inbound.middleware keeps the raw body,
multipart too); a connector that raises is 500; and an answer the
connector made 2xx although an event it correlated was not taken is replaced by the failure's
status (Camunda's buildErrorResponse): 503 when the engine could not be reached (the sender
may retry), 422 for an unmatched event not consumed or invalid input, 500 otherwise, so that
a lost event is never answered 2xx.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from typing import Any

from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult, WebhookRequest
from connectorhub_sdk.inbound import WebhookResponse as Answer
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from connectors.inbound import activity
from connectors.inbound.context import ActivationFailed, HubInboundContext, activate
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.middleware import declared_length, too_large
from connectors.inbound.models import ElementState, InboundElement
from connectors.inbound.registry import UnknownInboundType, inbound_registry
from connectors.inbound.selectors import elements_stamp

logger = logging.getLogger(__name__)
FAILURE_STATUS = {
    CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET: 422,
    CorrelationOutcome.INVALID_INPUT: 422,
}


@csrf_exempt
@login_not_required
def inbound_webhook(request: HttpRequest, context: str, tenant: str = "") -> HttpResponse:
    limit = settings.CONNECTORHUB_INBOUND_MAX_BODY_BYTES
    if declared_length(request) > limit:
        return too_large(limit)
    rows = _active_rows(context, tenant)
    if not rows:
        return _error(404, f"no active inbound webhook at /inbound/{context}")
    body = request.body  # kept by WebhookBodyMiddleware, even for multipart
    if len(body) > limit:
        return too_large(limit)
    try:
        executable = _executable(rows)
    except (ActivationFailed, UnknownInboundType) as exc:
        activity.record(rows[0].pk, f"request refused: {exc}", severity="ERROR", tag="webhook")
        return _error(503, f"the inbound webhook at /inbound/{context} cannot run now")
    return _run(executable, _webhook_request(request, body))


def _active_rows(context: str, tenant: str) -> list[InboundElement]:
    """The rows of the executable at the path, read again only when an element has changed
    (a deploy, an activation, a health report): the lookup with its join was 1.5 ms of a
    request's 8 at p50, its check is one small query (selectors.elements_stamp)."""
    stamp, key = elements_stamp(), (context, tenant)
    with _cache_lock:
        cached = _rows_cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    rows = _read_rows(context, tenant)
    with _cache_lock:
        if len(_rows_cache) >= CACHE_SIZE:  # any path may be asked for: bounded
            _rows_cache.clear()
        _rows_cache[key] = (stamp, rows)
    return rows


def _read_rows(context: str, tenant: str) -> list[InboundElement]:
    # activated elements, also while their connector reports DOWN (health is shown, not acted on)
    rows = (
        InboundElement.objects.filter(
            context_path=context, connector_kind="webhook", activation_error=""
        )
        .exclude(state=ElementState.INACTIVE)
        .select_related("process")
    )
    if tenant:
        rows = rows.filter(process__tenant_id=tenant)
    found = list(rows)
    # one executable holds a path (the lifecycle sees to it): its elements
    return [row for row in found if row.deduplication_id == found[0].deduplication_id]


def _webhook_request(request: HttpRequest, body: bytes) -> WebhookRequest:
    return WebhookRequest(
        method=request.method or "GET",
        path=request.path,
        headers={name.lower(): value for name, value in request.headers.items()},
        query={name: values[0] for name, values in request.GET.lists() if values},  # the first
        body=body,
        remote_address=request.META.get("REMOTE_ADDR", ""),
        url=request.build_absolute_uri(request.path),  # what HMAC's URL scopes sign
    )


def _run(executable: HubInboundContext, request: WebhookRequest) -> HttpResponse:
    taken: list[CorrelationResult] = []  # this request's own correlations
    context = dataclasses.replace(executable, correlations=taken)
    connector = context.connector
    try:
        answer = connector.function(context.bind(connector.input), request, context)
        if not isinstance(answer, Answer):
            raise TypeError(f"{connector.type} answered {type(answer).__name__}, not a response")
    except Exception as exc:  # the connector's failure: logged redacted, the caller gets 500
        message = context.redactor.redact_text(f"{type(exc).__name__}: {exc}")
        context.log(f"webhook failed: {message}", severity="ERROR", tag="webhook")
        logger.warning("inbound webhook %s failed: %s", connector.type, message)
        return _error(500, "the webhook connector failed; see the hub's Inbound page")
    lost = next((r for r in taken if not r.acknowledge), None)
    if lost is not None and answer.status < 300:
        return _failure(lost, context)
    return _response(answer)


def _failure(result: CorrelationResult, context: HubInboundContext) -> HttpResponse:
    status = 503 if result.retryable else FAILURE_STATUS.get(result.outcome, 500)
    if result.outcome in FAILURE_STATUS:  # about the event itself: the sender may act on it
        message = context.redactor.redact_text(result.message)
    else:  # about the engine: its address and words stay in the activity log
        message = "the event could not be handed to the process engine"
        message += "; send it again later" if result.retryable else ""
    return JsonResponse({"error": str(result.outcome), "message": message}, status=status)


def _response(answer: Answer) -> HttpResponse:
    if answer.body is None:
        response = HttpResponse(status=answer.status)
    elif isinstance(answer.body, str):
        # text as text, never as HTML a browser would run (Camunda escapes it for the same end)
        response = HttpResponse(answer.body, status=answer.status, content_type="text/plain")
    else:
        response = HttpResponse(
            json.dumps(answer.body), status=answer.status, content_type="application/json"
        )
    for name, value in answer.headers.items():
        response[name] = value
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# -- executables, built once per process and rebuilt when their rows change -------------------

_cache: dict[tuple[Any, ...], HubInboundContext] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 256
# (context, tenant) -> (the elements' stamp when read, the rows); the rows are only read
_rows_cache: dict[tuple[str, str], tuple[tuple[int, str], list[InboundElement]]] = {}


def _executable(rows: list[InboundElement]) -> HubInboundContext:
    """The context of ROWS' executable: secrets resolved and properties bound once, again
    when a row changed (a new version, a new activation)."""
    connector = inbound_registry().get(rows[0].inbound_type)
    key = (connector, *((row.pk, row.updated_at) for row in rows))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    built = activate(connector, [ActiveElement.of(row) for row in rows], audit=True)
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[key] = built
    return built
