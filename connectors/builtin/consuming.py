"""What every built-in consumer (RabbitMQ, Kafka, SQS, email) does the same way: hand one
message to the engine without letting an exception end the loop, and keep a connection up with
back-off while the element is active.

The activity log: an accepted message is the one line the runtime's correlation writes (its
outcome and the message id; the context holds a busy consumer's routine lines and writes them
in batches, connectors/inbound/context.py), so nothing is written here for it; a refusal and a
failure get a line of their own at once, which says the message is left for redelivery.

The delivery rule (the "Inbound" section of each connector's docs page): a message is
acknowledged, committed or deleted only when `context.correlate` answered `acknowledge=True`;
anything else (a refusal, a failed correlation, an exception in our code or in the answer)
leaves it to the source to deliver again. Each consumer maps "leave it" to its protocol (nack
with requeue, no commit, no delete, not marked as seen).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.inbound import Health, InboundContext

FIRST_DELAY = 1.0  # seconds before the first reconnection
MAX_DELAY = 30.0  # Camunda's Kafka consumer retries every 30 s (KafkaExecutable's RetryPolicy)


def deliver(
    context: InboundContext,
    what: str,
    variables: Callable[[], Any],
    message_id: str | None,
) -> bool:
    """Build the variables and correlate them; True when the source may consume the message.

    Never raises for one message (a poison message must not stop the others): an exception is
    one ERROR line of the activity log and the message is left for redelivery. An accepted
    message's line is the correlation's (the context's), so none is written here."""
    try:
        result = context.correlate(variables(), message_id=message_id)
    except Exception as exc:  # one message's failure is that message's only
        context.log(
            f"{what}: not correlated ({type(exc).__name__}: {exc}); left for redelivery",
            severity="ERROR",
            tag="MESSAGE",
        )
        return False
    if result.acknowledge:
        return True
    reason = f"{result.outcome.value}: {result.message}" if result.message else result.outcome.value
    context.log(f"{what}: not correlated ({reason}); left for redelivery", severity="WARNING")
    return False


class Backoff:
    """The wait before the next reconnection: doubles from FIRST_DELAY up to MAX_DELAY, and
    starts again after a connection that worked."""

    def __init__(self, first: float = FIRST_DELAY, most: float = MAX_DELAY) -> None:
        self.first, self.most = first, most
        self.delay = first

    def reset(self) -> None:
        self.delay = self.first

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return delay


def keep_consuming(
    context: InboundContext,
    session: Callable[[Backoff], None],
    describe: Callable[[BaseException], str],
    *,
    backoff: Backoff | None = None,
) -> None:
    """Run SESSION (connect, report UP, consume until stopping) again after each failure until
    the element is deactivated: health DOWN with the reason (DESCRIBE: a text without
    secrets), a wait that grows, then a new session. SESSION calls `backoff.reset()` once it is
    connected."""
    backoff = backoff or Backoff()
    while not context.stopping.is_set():
        try:
            session(backoff)
            if context.stopping.is_set():
                return
            # the server ended it (a RabbitMQ queue deleted under its consumer): not our stop
            raise EOFError("the server ended the subscription")
        except Exception as exc:  # a consumer never ends on an error
            reason = str(exc) if isinstance(exc, EOFError) else describe(exc)
            delay = backoff.next()
            context.report_health(Health.DOWN, reason)
            kind = "refused" if isinstance(exc, ConnectorInputError) else "lost"
            context.log(
                f"Connection {kind}: {reason}; trying again in {delay:g} s",
                severity="ERROR",
                tag="CONSUMER",
            )
            if context.stopping.wait(delay):
                return
