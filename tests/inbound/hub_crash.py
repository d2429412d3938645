"""Issue 22's crash acceptance through the hub itself: a consumer element is deployed to the
test engine with the hub's Deploy action (connectors.inbound.discovery.deploy), the hub's own
`manage.py inbound_worker` runs it as a subprocess (its settings from the environment, the test
database, secrets from the hub's store or the environment), is killed with SIGKILL (its whole
process group) in the middle of a correlation, after 60 of the first 100 messages were
accepted, and is started again after the other 100 were published.

The kill lands at a chosen point, not at a moment a timer picks: the test engine holds the
61st publication (the worker waits for its answer) until the worker is dead, and only then
takes it, as an engine does with a request whose sender died after sending it. So the source is
counted while that message is correlated but not answered (it must not be acknowledged), and
after the restart it comes back and is refused as a duplicate by its message id.

What a test then knows, from the engine and from the source (each consumer test says how its
broker counts what was acknowledged):

- every message but the poison one was published to the engine exactly once (the engine refuses
  a second publication of a message id within its time to live, as Zeebe does; the message the
  killed worker had in flight comes back and is refused as a duplicate);
- right after the kill, the source had acknowledged no more messages than the engine had
  accepted (plus the poison one, which the element consumes): the one in flight was not;
- the poison message (one the element's activation condition does not match, consumed as its
  `consumeUnmatchedEvents` says) is consumed, never reaches the engine, and the others go on;
- in the end the source holds nothing unacknowledged, and a SIGTERM stops the worker cleanly.

The tests in tests/consumers/test_crash_*.py run the same scenario on the connector alone
(the SDK's test context); these run the runtime around it: activation, correlation over REST,
the activity log, the supervisor's threads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from connectorhub.localredis import die_with_parent
from connectors.inbound.discovery import deploy
from connectors.models import ElementState, InboundActivity, InboundElement
from tests.inbound.conftest import Camunda
from tests.inbound.processes import catch_event_process
from tests.services.celery_worker import database_url
from tests.services.zeebe_engine.messages import Message, Messages

BASE_DIR = Path(__file__).resolve().parents[2]
MESSAGES = 200  # the poison one among them
BEFORE_START = 100  # published before the worker starts; the others while it is down
POISON_AT = 20  # its place: before the kill, so the first run had to get past it
KILL_AFTER = 60  # messages accepted by the engine before the SIGKILL
WAIT_SECONDS = 180.0  # a deadline against a hang, not a speed figure
MESSAGE_NAME = "crash-test"
STOP_SECONDS = 30.0


@dataclass
class Source:
    """What a consumer test gives: the element's properties (the connector's, as the template
    writes them; the runtime's are added here), how to publish the messages of a range of
    numbers (the one numbered POISON_AT poison) and get the ids of the others, which the engine
    must receive, and how many messages the source counts as acknowledged (acked, committed,
    deleted, seen)."""

    properties: Mapping[str, str]
    publish: Callable[[range], set[str]]
    acknowledged: Callable[[], int]
    env: Mapping[str, str] | None = None  # more of the worker's environment (env secrets)
    # waits until the source has noticed the killed consumer (RabbitMQ requeues a dead
    # connection's unacknowledged messages only once it sees the connection go)
    after_kill: Callable[[], None] = lambda: None


@dataclass
class Outcome:
    expected: set[str]  # every message id but the poison one's
    in_flight: str  # the message id whose publication the kill cut
    engine_ids: Counter[str]
    at_kill: int  # accepted by the engine when the kill landed
    acknowledged_at_kill: int
    duplicates_refused: int  # MESSAGE_ALREADY_CORRELATED lines of the activity log
    unmatched: int  # ACTIVATION_CONDITION_NOT_MET lines (the poison)
    activity: list[tuple[str, str, str]]  # (severity, tag, message)
    log: str  # the worker's own output
    phases: tuple[float, float, float, float]


def element_properties(connector: Mapping[str, str], key: str, condition: str) -> dict[str, str]:
    """CONNECTOR's properties with the runtime's: correlation key KEY, activation CONDITION,
    unmatched events consumed (the poison's rule), the whole event in `event`."""
    return {
        **connector,
        "correlationKeyExpression": key,
        "activationCondition": condition,
        "consumeUnmatchedEvents": "true",
        "resultVariable": "event",
    }


class HeldPublication:
    """The test engine holds the crash-test publication that follows the first KILL_AFTER:
    `held` is set while the worker waits for its answer; `accept()` then lets the engine take it
    (the answer goes to whoever is still there: nobody, after the kill). Later ones pass."""

    def __init__(self, messages: Messages) -> None:
        self.messages = messages
        self.publish = messages.publish
        self.held = threading.Event()
        self.accepted = threading.Event()
        self._release = threading.Event()
        self.message_id = ""
        messages.publish = self  # type: ignore[method-assign]  # on this engine only

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Message:
        accepted = len(engine_ids_of(self.messages))
        if name == MESSAGE_NAME and accepted == KILL_AFTER and not self.held.is_set():
            self.message_id = str(kwargs.get("message_id") or args[-1])
            self.held.set()
            self._release.wait(WAIT_SECONDS)
            try:
                return self.publish(name, *args, **kwargs)
            finally:
                self.accepted.set()
        return self.publish(name, *args, **kwargs)

    def accept(self) -> None:
        self._release.set()
        assert self.accepted.wait(WAIT_SECONDS), "the engine did not take the held message"

    def remove(self) -> None:
        self._release.set()
        del self.messages.publish  # the class's method again


class HubWorker:
    """`python manage.py inbound_worker` in a process group of its own."""

    def __init__(self, env: Mapping[str, str], log: Path) -> None:
        self.env = {**os.environ, **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "inbound_worker"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGKILL),  # gone with the test session
            )

    def kill(self) -> None:
        """SIGKILL to the whole group: no handler, no clean-up, as a crash or `kill -9`."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        """SIGTERM, then its exit status; SIGKILL if it does not end in STOP_SECONDS."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def engine_ids(camunda: Camunda) -> list[str]:
    """The message ids of the crash-test messages the engine accepted, in order."""
    return engine_ids_of(camunda.engine.messages)


def engine_ids_of(messages: Messages) -> list[str]:
    return [m.message_id for m in list(messages.received) if m.name == MESSAGE_NAME]


def wait_until(condition: Callable[[], bool], what: str, worker: HubWorker) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if not worker.alive():  # its own output says why
            output = worker.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"the inbound worker ended while waiting for {what}:\n{output}")
        assert time.monotonic() < deadline, f"not within {WAIT_SECONDS:.0f} s: {what}"
        time.sleep(0.02)


def crash_through_hub(
    camunda: Camunda, tmp_path: Path, source: Source, secrets_key: str
) -> Outcome:
    """Deploy SOURCE's element, publish the first BEFORE_START messages, run the hub's inbound
    worker, SIGKILL it while the engine holds the publication after the first KILL_AFTER, let
    the engine take that one, publish the others, run the worker again until every expected
    message was accepted and the source acknowledged all MESSAGES, then stop it with SIGTERM."""
    xml = catch_event_process("crash", MESSAGE_NAME, {"wait": dict(source.properties)})
    deploy([("crash.bpmn", xml.encode())])
    (element,) = InboundElement.objects.filter(process__process_id="crash")
    assert (element.state, element.reason) == (ElementState.ACTIVE, ""), element.reason

    log = tmp_path / "inbound-worker.log"
    worker = HubWorker(
        {
            "DATABASE_URL": database_url(connection.settings_dict),
            "CONNECTORHUB_DATA_DIR": str(tmp_path / "hub-data"),
            "CONNECTORHUB_SECRETS_KEY": secrets_key,
            "CAMUNDA_REST_ADDRESS": camunda.face.address,
            "ZEEBE_ADDRESS": "",
            "CAMUNDA_GRPC_ADDRESS": "",
            "CONNECTORHUB_INBOUND_POLL_SECONDS": "1",
            # every line kept: the test counts the duplicates and the poison's outcome
            "CONNECTORHUB_INBOUND_ACTIVITY_KEEP": "100000",
            **(source.env or {}),
        },
        log,
    )
    expected = source.publish(range(BEFORE_START))
    gate = HeldPublication(camunda.engine.messages)
    began = time.monotonic()
    try:
        worker.start()
        wait_until(gate.held.is_set, "the first messages", worker)
        killed = time.monotonic()
        worker.kill()
        at_kill = len(engine_ids(camunda))
        source.after_kill()
        acknowledged_at_kill = source.acknowledged()
        gate.accept()  # the engine takes the message its dead sender was waiting on
        expected |= source.publish(range(BEFORE_START, MESSAGES))  # while the hub is down
        before_restart = _last_line()
        restarted = time.monotonic()
        worker.start()
        wait_until(lambda: _correlations_after(before_restart) > 0, "a correlation", worker)
        resumed = time.monotonic()
        # every message not acknowledged at the kill is handled again at least once (its
        # correlation is a line of the activity log): so none is left in flight at the stop
        wait_until(
            lambda: (
                expected <= set(engine_ids(camunda))
                and source.acknowledged() == MESSAGES
                and _correlations_after(before_restart) >= MESSAGES - acknowledged_at_kill
            ),
            "every message correlated and acknowledged",
            worker,
        )
        done = time.monotonic()
    finally:
        gate.remove()
        stopping = time.monotonic()
        status = worker.stop()
        stopped = time.monotonic() - stopping
    output = log.read_text(errors="replace")
    assert status == 0, f"the inbound worker did not stop cleanly ({status}):\n{output[-3000:]}"
    lines = _lines().order_by("pk")
    outcomes = Counter(lines.values_list("outcome", flat=True))
    return Outcome(
        expected=expected,
        in_flight=gate.message_id,
        engine_ids=Counter(engine_ids(camunda)),
        at_kill=at_kill,
        acknowledged_at_kill=acknowledged_at_kill,
        duplicates_refused=outcomes["MESSAGE_ALREADY_CORRELATED"],
        unmatched=outcomes["ACTIVATION_CONDITION_NOT_MET"],
        activity=list(lines.values_list("severity", "tag", "message")),
        log=output,
        # seconds: start to the kill, restart to its first correlation, then to the end, stop
        phases=(killed - began, resumed - restarted, done - resumed, stopped),
    )


def _lines() -> Any:
    return InboundActivity.objects.filter(element__process__process_id="crash")


def _last_line() -> int:
    return _lines().order_by("-pk").values_list("pk", flat=True).first() or 0


def _correlations_after(pk: int) -> int:
    return int(_lines().filter(pk__gt=pk).exclude(outcome="").count())


def check(outcome: Outcome, name: str, *, secret: str = "") -> None:
    """What every consumer must show after the crash (the module docstring)."""
    print(
        f"{name} through the hub: killed after {outcome.at_kill} messages at the engine "
        f"({outcome.acknowledged_at_kill} acknowledged at the source), "
        f"{outcome.duplicates_refused} duplicates refused by message id; seconds: "
        "start to kill %.1f, restart to its first correlation %.1f, then to the end %.1f, "
        "SIGTERM to exit %.1f" % outcome.phases
    )
    assert outcome.at_kill == KILL_AFTER  # the message in flight was not taken yet
    # nothing acknowledged before the engine took it (the one in flight neither); the poison
    # is consumed without it
    assert outcome.acknowledged_at_kill <= outcome.at_kill + 1, "acknowledged before accepted"
    assert len(outcome.expected) == MESSAGES - 1
    assert outcome.engine_ids == Counter(outcome.expected)  # each exactly once, no poison
    # the one in flight came back after the restart and was refused by its message id
    assert outcome.in_flight in outcome.expected
    assert outcome.duplicates_refused >= 1, "the message in flight did not come back"
    assert outcome.unmatched >= 1  # the poison, consumed by the element's rule
    # the poison stopped nothing: no consumer went DOWN, none raised
    down = [m for severity, tag, m in outcome.activity if tag == "health"]
    assert down == [], down
    assert "Traceback" not in outcome.log, outcome.log[-3000:]
    if secret:
        shown = [m for _, _, m in outcome.activity if secret in m]
        assert shown == [] and secret not in outcome.log


def message_variables(camunda: Camunda) -> list[dict[str, Any]]:
    return [m.variables for m in camunda.engine.messages.received if m.name == MESSAGE_NAME]
