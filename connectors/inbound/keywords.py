"""The element properties the inbound runtime reads itself (Camunda's Keywords), and the
deduplication id of an element (InboundConnectorElement.deduplicationId)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

INBOUND_TYPE = "inbound.type"
RESULT_VARIABLE = "resultVariable"
RESULT_EXPRESSION = "resultExpression"
CORRELATION_KEY_EXPRESSION = "correlationKeyExpression"
CORRELATION_REQUIRED = "correlationRequired"
MESSAGE_ID_EXPRESSION = "messageIdExpression"
MESSAGE_TTL = "messageTtl"
ACTIVATION_CONDITION = "activationCondition"
DEPRECATED_ACTIVATION_CONDITION = "inbound.activationCondition"
CONSUME_UNMATCHED_EVENTS = "consumeUnmatchedEvents"
DEDUPLICATION_MODE = "deduplicationMode"
DEDUPLICATION_MODE_MANUAL_FLAG = "deduplicationModeManualFlag"
DEDUPLICATION_ID = "deduplicationId"
SYNCHRONOUS_RESPONSE = "synchronousResponse"
WEBHOOK_CONTEXT = "inbound.context"

# Runtime properties, left out of the AUTO deduplication hash (PROPERTIES_EXCLUDED_FROM_...).
EXCLUDED_FROM_DEDUPLICATION = frozenset(
    {
        INBOUND_TYPE,
        DEDUPLICATION_MODE,
        DEDUPLICATION_ID,
        MESSAGE_ID_EXPRESSION,
        CORRELATION_KEY_EXPRESSION,
        DEPRECATED_ACTIVATION_CONDITION,
        ACTIVATION_CONDITION,
        MESSAGE_TTL,
        CORRELATION_REQUIRED,
        DEDUPLICATION_MODE_MANUAL_FLAG,
        RESULT_EXPRESSION,
        RESULT_VARIABLE,
        CONSUME_UNMATCHED_EVENTS,
        SYNCHRONOUS_RESPONSE,
    }
)


class DeduplicationError(ValueError):
    """The element's deduplication properties are unusable; the message says which."""


def deduplication_id(
    properties: Mapping[str, str],
    *,
    tenant_id: str,
    process_id: str,
    process_definition_key: int,
    element_id: str,
) -> str:
    """Camunda's rule: no `deduplicationMode` (a legacy template): one executable per element;
    MANUAL: the `deduplicationId` property within the process; AUTO: the process and a hash of
    the connector's own properties, so elements that listen to the same source share one.

    Camunda hashes the values with Java's Objects.hash over a map's values (order not fixed);
    here the hash is SHA-256 of the sorted (name, value) pairs: stable across processes."""
    mode = properties.get(DEDUPLICATION_MODE)
    if mode is None:
        return _encode(tenant_id, process_definition_key, element_id)
    scope = _encode(tenant_id, process_id)
    if mode == "MANUAL":
        manual = properties.get(DEDUPLICATION_ID, "")
        if not manual:
            raise DeduplicationError(
                "Missing deduplicationId property, expected a value due to deduplicationMode=MANUAL"
            )
        return f"{scope}-{manual}"
    if mode == "AUTO":
        hashed = sorted(
            (name, value)
            for name, value in properties.items()
            if name not in EXCLUDED_FROM_DEDUPLICATION
        )
        if not hashed:
            raise DeduplicationError(
                "Missing deduplication properties, expected at least one property to compute "
                "deduplicationId"
            )
        digest = hashlib.sha256(json.dumps(hashed).encode()).hexdigest()[:16]
        return f"{scope}-{digest}"
    raise DeduplicationError(
        f"Invalid deduplicationMode property, expected AUTO or MANUAL, but was {mode}"
    )


def _encode(*components: object) -> str:
    # length-prefixed, so that no two tuples of components give the same text
    return "".join(f"{len(str(c))}:{c}" for c in components)
