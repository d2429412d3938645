"""What the built-in consumers' `deliver` (connectors/builtin/consuming.py) writes to the
activity log: nothing for an accepted message (the runtime's correlation line is its line, see
tests/inbound/test_activity_batches.py), one line each, at once, for a refusal and for a
failure, naming the message and saying that it is left for redelivery."""

from __future__ import annotations

from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.consuming import deliver


def answer(variables: dict[str, str], message_id: str | None) -> CorrelationResult:
    if variables["n"] == "broken":
        raise ValueError("the answer broke")
    if variables["n"] == "refused":
        return CorrelationResult(CorrelationOutcome.ENGINE_ERROR, acknowledge=False, message="no")
    return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)


def test_accepted_messages_write_no_line_refusals_and_failures_one_each() -> None:
    context = InboundTestContext({}, answer=answer)
    taken = [
        deliver(context, f"message {n}", lambda n=n: {"n": n}, n)
        for n in ("1", "refused", "2", "broken", "3")
    ]
    assert taken == [True, False, True, False, True]
    assert [c.message_id for c in context.correlations] == ["1", "refused", "2", "3"]
    assert context.activity == [
        ("WARNING", "message refused: not correlated (ENGINE_ERROR: no); left for redelivery"),
        (
            "ERROR",
            "message broken: not correlated (ValueError: the answer broke); left for redelivery",
        ),
    ]
