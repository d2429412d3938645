"""Camunda's generic webhook, `io.camunda:webhook:1`: the Webhook start, message start,
intermediate, boundary and receive-task templates, and the GitHub, Twilio and EventBridge
templates built on it.

One request, in Camunda's order (HttpWebhookExecutable and InboundWebhookRestController,
camunda/connectors): the verification expression (its answer is sent without correlating,
before any check), the method filter (405), the HMAC signature (401), the authorization (401,
403), the `request` variable with multipart parts stored as documents when the activation
condition admits the event, the correlation, and the answer for its outcome (http.answer) with
the response expression.
"""

from __future__ import annotations

from typing import Any

from connectorhub_sdk.inbound import InboundContext, WebhookRequest, WebhookResponse, webhook

from . import auth, hmac
from .http import (
    WebhookRefused,
    answer,
    documents_for,
    escaped,
    http_response,
    mapped_request,
    parse_body,
)
from .model import WebhookInput, WebhookProperties


@webhook(
    type="io.camunda:webhook:1",
    name="Webhook",
    input=WebhookInput,
    description="Start or continue a process with an HTTP request (HMAC, basic, API key, JWT).",
)
def generic_webhook(
    data: WebhookInput, request: WebhookRequest, context: InboundContext
) -> WebhookResponse:
    try:
        return _handle(data.inbound, request, context)
    except WebhookRefused as refused:
        return refused.logged(request, context)


def _handle(
    props: WebhookProperties, request: WebhookRequest, context: InboundContext
) -> WebhookResponse:
    if props.verificationExpression:
        mapped = mapped_request(request, parse_body(request))
        verification = _verification(props.verificationExpression, mapped, context)
        if verification is not None:
            context.log("Successfully handled a verification request", tag=request.method)
            return verification
    if props.method != "any" and request.method.lower() != props.method:
        raise WebhookRefused(405, f"Method {request.method} not supported")
    if props.shouldValidateHmac == "enabled":
        hmac.verify(
            request,
            scopes=props.scopes,
            header=props.hmacHeader or "",
            secret=props.hmacSecret or "",
            algorithm=props.hmacAlgorithm,
        )
    mapped = mapped_request(request, parse_body(request))
    auth.check(props.auth, request, mapped, context)
    variables: dict[str, Any] = {"request": mapped, "connectorData": {}}
    # Camunda stores the uploaded files only for an event the element will take
    variables["documents"] = (
        documents_for(request, context) if context.can_activate(variables) else []
    )
    result = context.correlate(variables)
    return answer(result, lambda correlation: _response(props, variables, correlation, context))


def _verification(
    expression: str, mapped: dict[str, Any], context: InboundContext
) -> WebhookResponse | None:
    """The verification expression on `{request}`: its answer, or None to go on."""
    value = _evaluate(context, expression, {"request": mapped}, "inbound.verificationExpression")
    if value is None:
        return None
    return http_response(value, field="inbound.verificationExpression")


def _response(
    props: WebhookProperties,
    variables: dict[str, Any],
    correlation: dict[str, Any] | None,
    context: InboundContext,
) -> WebhookResponse:
    """The answer to a taken event: the response expression on `{request, connectorData,
    correlation, documents}`, or 200 without a body (HttpWebhookExecutable.resolveResponse)."""
    scope = {**variables, "correlation": correlation}
    if props.responseExpression:
        field = "inbound.responseExpression"
        value = _evaluate(context, props.responseExpression, scope, field)
        return WebhookResponse(200) if value is None else http_response(value, field=field)
    if props.responseBodyExpression:
        value = _evaluate(
            context, props.responseBodyExpression, scope, "inbound.responseBodyExpression"
        )
        return WebhookResponse(200, escaped(value, None))
    return WebhookResponse(200)


def _evaluate(context: InboundContext, expression: str, scope: dict[str, Any], field: str) -> Any:
    """FEEL of the element; a failure is 422 naming the property (the reason goes to the
    element's log only: the expression may hold a secret filled in by the runtime)."""
    try:
        return context.evaluate(expression, scope)
    except ValueError as exc:
        context.log(f"{field} failed: {exc}", severity="ERROR", tag="expression")
        raise WebhookRefused(422, f"{field}: cannot be evaluated") from None
