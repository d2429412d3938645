"""A consumer in a process of its own, for the crash tests (test_crash.py): the test kills it
with SIGKILL in the middle of a batch and starts it again.

    python -m tests.consumers.crash_consumer MODULE PROPERTIES_JSON OUTPUT

MODULE is the consumer's module (e.g. connectors.builtin.rabbitmq.inbound, its `consume`);
the answer appends each message id to OUTPUT (flushed to the OS before it returns, so a kill
loses no line) and acknowledges. SIGTERM stops the consumer cleanly.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
from typing import Any

from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult
from connectorhub_sdk.inbound_testing import InboundTestContext

PAUSE = 0.004  # seconds per message, so that a batch of 200 takes long enough to be cut


def main(module: str, properties: str, output: str) -> None:
    consume = importlib.import_module(module).consume
    sink = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        os.write(sink, f"{message_id}\n".encode())  # one write: a line is whole or absent
        time.sleep(PAUSE)
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    context = InboundTestContext(json.loads(properties), answer=answer)
    signal.signal(signal.SIGTERM, lambda *_: context.stopping.set())
    consume.function(context.bind(consume.input), context)


if __name__ == "__main__":
    main(*sys.argv[1:4])
