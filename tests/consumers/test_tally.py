"""The accepted messages' activity lines of a busy consumer (connectors/builtin/consuming.py,
`Tally`): the first at once, the following ones counted into one line, written when the time
has come or the consumer is idle; refusals are never counted, they keep a line each."""

from __future__ import annotations

from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.consuming import Tally, deliver


def test_accepted_messages_are_counted_into_one_line_and_refusals_keep_theirs() -> None:
    def answer(variables: dict[str, str], message_id: str | None) -> CorrelationResult:
        accepted = variables["n"] != "refused"
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=accepted)

    context = InboundTestContext({}, answer=answer)
    tally = Tally(context, every=3600)
    for n in ("1", "2", "refused", "3"):
        deliver(context, f"message {n}", lambda n=n: {"n": n}, n, tally=tally)
    assert [m for _, m in context.activity] == [
        "message 1: MESSAGE_PUBLISHED",  # a quiet consumer's first message: at once
        "message refused: not correlated (MESSAGE_PUBLISHED); left for redelivery",
    ]
    tally.flush()  # not yet: the hour has not passed
    assert len(context.activity) == 2
    tally.flush(now=True)  # the queue is idle
    assert context.activity[-1] == ("INFO", "2 messages: MESSAGE_PUBLISHED 2; the last: message 3")
    tally.flush(now=True)
    assert len(context.activity) == 3  # nothing counted since: no line
