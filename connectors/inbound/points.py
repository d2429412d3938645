"""What an element sends to the engine (Camunda's correlation points: StartEventCorrelationPoint,
MessageStartEventCorrelationPoint, MessageCorrelationPoint, and InboundCorrelationHandler's
triggerStartEvent, publishMessage and correlateMessageSynchronously).

- a none start event creates an instance of the element's own process version; with
  `synchronousResponse` it waits for the instance to end and `variables` are the instance's
  variables then (Camunda's ProcessInstanceCreatedWithResult);
- a message element publishes its message (correlation key, message id, time to live); with
  `synchronousResponse` it correlates instead (Camunda's MessageCorrelated: never buffered, the
  instance that took it is known; no instance waiting is a refusal).

An engine that cannot be reached is tried again, with a back-off, only when the request surely
did not arrive (no connection): a retry after a lost answer could start a second instance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult
from django.conf import settings

from connectors.inbound.engine import EngineNotConfigured, engine_call
from connectors.zeebe.rest import GatewayUnavailable, RequestRefused

if TYPE_CHECKING:
    from connectors.inbound.correlation import ActiveElement

logger = logging.getLogger(__name__)
BACK_OFF_SECONDS = 0.2  # the first wait before another try; doubled after each
# causes that prove a request never left: REST's failed connect, gRPC's channel never READY
# (connectors/inbound/grpc_engine.py)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, ConnectionRefusedError)


def start(
    element: ActiveElement, output: dict[str, Any], *, synchronous: bool
) -> CorrelationResult:
    def attempt() -> CorrelationResult:
        instance = engine_call(
            lambda camunda: camunda.create_process_instance(
                element.process_id, output, version=element.version, await_completion=synchronous
            )
        )
        return CorrelationResult(
            CorrelationOutcome.PROCESS_INSTANCE_CREATED,
            acknowledge=True,
            message=f"created process instance {instance.process_instance_key}",
            process_instance_key=instance.process_instance_key,
            variables=instance.variables if synchronous else output,
        )

    return _with_retries(attempt)


def publish(
    element: ActiveElement, key: str, output: dict[str, Any], ttl_ms: int, message_id: str
) -> CorrelationResult:
    def attempt() -> CorrelationResult:
        try:
            message_key = engine_call(
                lambda camunda: camunda.publish_message(
                    element.message_name,
                    key,
                    output,
                    time_to_live_ms=ttl_ms,
                    message_id=message_id,
                )
            )
        except RequestRefused as refused:
            if refused.status != 409:
                raise
            return CorrelationResult(
                CorrelationOutcome.MESSAGE_ALREADY_CORRELATED,
                acknowledge=True,
                message=f"message id '{message_id}' was already published",
            )
        return CorrelationResult(
            CorrelationOutcome.MESSAGE_PUBLISHED,
            acknowledge=True,
            message=f"published message '{element.message_name}' with key {message_key}",
            message_key=message_key,
            variables=output,
        )

    return _with_retries(attempt)


def correlate(element: ActiveElement, key: str, output: dict[str, Any]) -> CorrelationResult:
    def attempt() -> CorrelationResult:
        found = engine_call(
            lambda camunda: camunda.correlate_message(element.message_name, key, output)
        )
        return CorrelationResult(
            CorrelationOutcome.MESSAGE_PUBLISHED,
            acknowledge=True,
            message=f"correlated message '{element.message_name}' to instance "
            f"{found.process_instance_key}",
            message_key=found.message_key,
            process_instance_key=found.process_instance_key,
            variables=output,
        )

    return _with_retries(attempt)


def _with_retries(attempt: Callable[[], CorrelationResult]) -> CorrelationResult:
    """ATTEMPT until it arrives; one that could not connect is tried again after a growing
    wait, up to CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS times."""
    attempts = settings.CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS
    problem, tried = "", 0
    while tried < attempts:
        tried += 1
        try:
            return attempt()
        except RequestRefused as refused:
            return CorrelationResult(
                CorrelationOutcome.ENGINE_ERROR, acknowledge=False, message=str(refused)
            )
        except (GatewayUnavailable, EngineNotConfigured, TimeoutError) as exc:
            problem = str(exc)
            if not isinstance(exc.__cause__, NOT_SENT):
                break  # it may have arrived: not sent again
            if tried < attempts:
                time.sleep(BACK_OFF_SECONDS * 2 ** (tried - 1))
    # the detail (the engine's address) goes to the hub's log only: a connector may hand the
    # message to whoever sent the event
    logger.warning("inbound correlation: the engine could not be reached: %s", problem)
    return CorrelationResult(
        CorrelationOutcome.ENGINE_ERROR,
        acknowledge=False,
        retryable=True,
        message=f"the engine could not be reached after {tried} attempt{'s' * (tried > 1)}",
    )
