"""The inbound declarations and the test context a consumer's own tests run it with."""

from __future__ import annotations

import threading

import pytest
from connectorhub_sdk.inbound import CorrelationOutcome, InboundConnector, consumer, webhook
from connectorhub_sdk.inbound_testing import InboundTestContext, unflatten
from pydantic import BaseModel


class Queue(BaseModel):
    class Inbound(BaseModel):
        queue: str
        batch: int = 1

    inbound: Inbound


@consumer(type="acme:queue-inbound:1", name="Queue", input=Queue)
def consume(data: Queue, context: InboundTestContext) -> None:
    number = 0
    while not context.stopping.is_set():
        number += 1
        result = context.correlate(
            {"n": number, "queue": data.inbound.queue}, message_id=str(number)
        )
        if number == 3 or not result.acknowledge:
            context.stopping.wait()


def test_a_consumer_runs_until_stopped_and_its_correlations_are_recorded() -> None:
    context = InboundTestContext({"inbound.queue": "orders", "inbound.batch": "2"})
    data = context.bind(consume.input)
    assert data.inbound.batch == 2
    thread = threading.Thread(target=consume.function, args=(data, context))
    thread.start()
    context.stopping.set()
    thread.join(5)
    assert not thread.is_alive()
    assert all(c.variables["queue"] == "orders" for c in context.correlations)
    assert consume.kind == "consumer"


def test_an_unmet_activation_condition_is_not_acknowledged() -> None:
    context = InboundTestContext({}, activation=lambda variables: variables["n"] > 1)
    first = context.correlate({"n": 1})
    second = context.correlate({"n": 2}, message_id="m-2")
    assert first.outcome is CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET
    assert not first.acknowledge and not first.success
    assert second.success and second.acknowledge
    assert context.correlations[1].message_id == "m-2"


def test_dotted_properties_nest_and_a_clash_is_named() -> None:
    assert unflatten({"inbound.auth.type": "NONE", "inbound.context": "x"}) == {
        "inbound": {"auth": {"type": "NONE"}, "context": "x"}
    }
    with pytest.raises(ValueError, match=r"inbound\.auth\.type: auth is both"):
        unflatten({"inbound.auth": "x", "inbound.auth.type": "NONE"})


def test_a_declaration_is_checked() -> None:
    with pytest.raises(ValueError, match="without spaces"):
        webhook(type="bad type", name="x", input=Queue)(lambda d, r, c: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="kind"):
        InboundConnector("a:b:1", "x", Queue, print, "poller")
