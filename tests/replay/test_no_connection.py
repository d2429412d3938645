"""No connection is opened in an offline replay: the replay's policy is the network door's
address policy, so `connect`, `open_connection` and the HTTP client's pool are refused before
any socket exists, and a listening server sees nothing. A connector that does not replay
fails with that message instead of going live; a mismatch cannot pass as an expected error."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from connectorhub_sdk import ConnectorContext

from connectors.network.recording import recording_from_exchanges
from connectors.network.replay import ReplayPolicy, ReplayRefused
from connectors.runs.stored import StoredOutcome, replay_verdict
from tests.builtin.conftest import REST_FILE, REST_ID, run_template, template
from tests.services.http_servers import RecordingServer, Reply

REST = template(REST_FILE, REST_ID, 18)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A listening socket: any connection attempt would wait in its backlog."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


def nobody_connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


def test_the_door_refuses_every_connection_in_a_replay(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    policy = ReplayPolicy({"version": 1, "exchanges": []})
    network = ConnectorContext(job_type="t", address_policy=policy).network

    with pytest.raises(ReplayRefused, match=f"127.0.0.1:{port} was refused"):
        network.connect("127.0.0.1", port)
    with pytest.raises(ReplayRefused):
        asyncio.run(network.open_connection("127.0.0.1", port))

    assert nobody_connected(listener)
    assert len(policy.problems) == 2  # each refusal fails the run


def test_a_request_to_an_unrecorded_server_is_not_sent(listener: socket.socket) -> None:
    with RecordingServer() as recorded:
        recorded.route("/a", Reply(json={"ok": True}))
        live = run_template(REST, {"method": "GET", "url": f"{recorded.url}/a"})
    recording = recording_from_exchanges(StoredOutcome.from_outcome(live).exchanges)
    port = listener.getsockname()[1]
    policy = ReplayPolicy(recording)

    outcome = run_template(REST, {"method": "GET", "url": f"http://127.0.0.1:{port}/a"},
                           policy=policy)  # fmt: skip
    record = replay_verdict(StoredOutcome.from_outcome(outcome), policy)

    assert record.kind == "failed" and record.error is not None
    assert f'origin: recorded "{recorded.url}", requested "http://127.0.0.1:{port}"' in (
        record.error.message or ""
    )
    assert nobody_connected(listener)


def test_an_error_expression_cannot_turn_a_mismatch_into_a_pass() -> None:
    policy = ReplayPolicy({"version": 1, "exchanges": []})
    values = {
        "method": "GET",
        "url": "http://127.0.0.1:9/anything",
        "errorExpression": '=bpmnError("ANY", "swallowed")',
    }
    outcome = run_template(REST, values, policy=policy)
    assert outcome.kind == "bpmn_error"  # what the connector and its expression made of it

    record = replay_verdict(StoredOutcome.from_outcome(outcome), policy)

    assert record.kind == "failed" and record.error is not None
    assert record.error.code == "REPLAY_MISMATCH"
    assert "the recording has no exchange of this kind" in (record.error.message or "")


def test_a_changed_json_body_is_named_by_its_path() -> None:
    with RecordingServer() as recorded:
        recorded.route("/orders", Reply(status=201, json={"id": 7}))
        values = {"method": "POST", "url": f"{recorded.url}/orders",
                  "body": '={order: {sku: "A-1", quantity: 2}}'}  # fmt: skip
        live = run_template(REST, values)
    policy = ReplayPolicy(recording_from_exchanges(StoredOutcome.from_outcome(live).exchanges))
    values["body"] = '={order: {sku: "A-1", quantity: 3}}'

    record = replay_verdict(StoredOutcome.from_outcome(run_template(REST, values, policy=policy)),
                            policy)  # fmt: skip

    assert record.error is not None
    assert (record.error.message or "").endswith(
        "differs in: body.order.quantity: recorded 2, requested 3"
    )


def test_a_mismatch_never_shows_a_secret() -> None:
    key = "s3cr3t/v@lue+&="
    with RecordingServer() as recorded:
        recorded.route("/a", Reply(json={"ok": True}))
        values = {"method": "GET", "url": f"{recorded.url}/a",
                  "queryParameters": '={key: "{{secrets.KEY}}", page: "1"}'}  # fmt: skip
        live = run_template(REST, values, secrets={"KEY": key})
    stored = StoredOutcome.from_outcome(live)
    assert stored.kind == "completed" and key not in str(stored.exchanges)
    policy = ReplayPolicy(recording_from_exchanges(stored.exchanges))
    values["queryParameters"] = '={key: "{{secrets.KEY}}", page: "2"}'

    outcome = run_template(REST, values, secrets={"KEY": key}, policy=policy)
    record = replay_verdict(StoredOutcome.from_outcome(outcome), policy)

    message = record.error.message if record.error else ""
    assert "query parameter 'page'" in message and "key=***" in message
    assert "query parameter 'key'" not in message  # the masked value matched
    for spelling in (key, "s3cr3t", "v%40lue"):
        assert spelling not in message and spelling not in str(record.exchanges)
