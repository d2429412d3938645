"""Producers kept across jobs (connectors/builtin/kafka/pool.py): jobs with the same settings
and policy share one, different credentials or policies never do, and the network door and a
refused login still fail every job that meets them."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.builtin.kafka import pool
from connectors.builtin.kafka.pool import POOL
from connectors.elementtemplates import build_job
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, run_job
from connectors.secrets import MappingSecretProvider
from tests.builtin.conftest import result_of, template, values_for
from tests.kafka.conftest import (
    KAFKA_FILE,
    KAFKA_ID,
    LATEST,
    SECRET,
    plain,
    read_back,
    run_kafka,
)
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")


@pytest.fixture(autouse=True)
def empty_pool() -> None:
    POOL.clear()


def _sasl(server: Kafka, topic: str) -> dict[str, Any]:
    return plain(
        server,
        topic,
        **{
            "topic.bootstrapServers": server.sasl_bootstrap,
            "authentication.username": server.user,
            "authentication.password": f"{{{{secrets.{SECRET}}}}}",
            "additionalProperties": '={"security.protocol": "SASL_PLAINTEXT"}',
        },
    )


def test_two_jobs_with_the_same_settings_share_one_producer(
    kafka_server: Kafka, topic: str
) -> None:
    before = POOL.created
    first = run_kafka(plain(kafka_server, topic, **{"message.value": "one"}))
    second = run_kafka(plain(kafka_server, topic, **{"message.value": "two"}))

    assert first.kind == second.kind == "completed"
    assert POOL.created == before + 1 and POOL.idle() == 1
    offsets = [result_of(first)["offset"], result_of(second)["offset"]]
    assert [read_back(kafka_server, topic, o).value for o in offsets] == [b"one", b"two"]


def test_a_different_policy_never_shares_a_producer(kafka_server: Kafka, topic: str) -> None:
    before = POOL.created
    wider = EgressPolicy.from_allowlist(["127.0.0.1", "10.0.0.0/8"])
    assert run_kafka(plain(kafka_server, topic)).kind == "completed"
    assert run_kafka(plain(kafka_server, topic), policy=wider).kind == "completed"

    assert POOL.created == before + 2 and POOL.idle() == 2


def test_different_credentials_never_share_and_a_wrong_password_still_fails(
    kafka_server: Kafka, topic: str
) -> None:
    right = run_kafka(_sasl(kafka_server, topic), secrets={SECRET: kafka_server.password})
    assert right.kind == "completed"
    before = POOL.created
    for _ in range(2):  # the refused producer is dropped, not lent to the next job
        wrong = run_kafka(_sasl(kafka_server, topic), secrets={SECRET: "not-the-pass-7"})
        assert wrong.kind == "failed"
        assert "SaslAuthenticationException: Authentication failed" in wrong.message
    assert POOL.created == before + 2 and POOL.idle() == 1

    again = run_kafka(_sasl(kafka_server, topic), secrets={SECRET: kafka_server.password})
    assert again.kind == "completed" and POOL.created == before + 2


def test_an_advertised_broker_the_door_refuses_is_refused_on_every_job(
    kafka_server: Kafka, topic: str
) -> None:
    # the bootstrap name is allowed; the broker the cluster advertises (127.0.0.1) is not
    only_name = EgressPolicy.from_allowlist([f"localhost:{kafka_server.port}"])
    values = plain(
        kafka_server, topic, **{"topic.bootstrapServers": f"localhost:{kafka_server.port}"}
    )
    for _ in range(2):
        outcome = run_kafka(values, policy=only_name)
        assert outcome.kind == "failed" and outcome.retries == 0
        assert "The egress policy refused 127.0.0.1" in outcome.message
    assert POOL.idle() == 0


def test_a_kept_producer_meets_each_jobs_own_door(kafka_server: Kafka, topic: str) -> None:
    # same settings and policy, so the second job borrows the first one's producer; its secret
    # may go to the bootstrap name only, and the broker the cluster advertises is 127.0.0.1
    policy = EgressPolicy.from_allowlist([f"localhost:{kafka_server.port}", "127.0.0.1"])
    values = plain(
        kafka_server, topic, **{"topic.bootstrapServers": f"localhost:{kafka_server.port}"}
    )
    assert run_kafka(values, policy=policy).kind == "completed"
    before = POOL.created
    tpl = template(KAFKA_FILE, KAFKA_ID, LATEST)
    job = build_job(tpl, values_for(tpl, {**values, "message.value": f"{{{{secrets.{SECRET}}}}}"}))
    outcome = run_job(
        JobRequest(type=job.type or "", variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider({SECRET: "the-value"}),
        address_policy=policy,
        allowed_hosts=lambda name: ["localhost"],
    )

    assert POOL.created == before  # the kept producer was lent ...
    assert outcome.kind == "failed"  # ... and the job's own rule refused the advertised broker
    assert f"Secret '{SECRET}' may not be sent to a host" in outcome.message
    assert "allowed only for: localhost" in outcome.message
    assert "the-value" not in repr(outcome)


def test_an_idle_producer_past_its_time_is_closed_not_lent(
    kafka_server: Kafka, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "IDLE_SECONDS", 0.0)  # every kept producer is already too old
    before = POOL.created
    assert run_kafka(plain(kafka_server, topic)).kind == "completed"
    assert run_kafka(plain(kafka_server, topic)).kind == "completed"

    assert POOL.created == before + 2
