"""The Kafka consumer against a real Kafka: Camunda's variables and message id, offsets
committed only for what the engine accepted, a refused record retried while the others go on,
a poison record that does not stop the others, the derived group id, offsets and Avro, a
prompt stop, and health DOWN for a cluster that does not answer."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import fastavro
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult, Health
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.kafka.inbound import HELD_MAX, TYPE, consume
from connectors.builtin.kafka.inbound_records import (
    KafkaInboundInput,
    connection,
    consumer_config,
    group_id,
    offsets,
)
from tests.consumers.conftest import Running, wait_for
from tests.consumers.corpus import element_properties, inbound_templates, template_id
from tests.kafka.conftest import QUIET
from tests.services.http_servers import RecordingServer, Reply
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")

FILES = [
    f"kafka-inbound-connector{kind}.json"
    for kind in ("", "-start-message", "-intermediate", "-boundary", "-receive")
]
TEMPLATES = inbound_templates(*FILES)
Start = Callable[..., Running]


def properties(server: Kafka, topic: str, **extra: Any) -> dict[str, Any]:
    return {
        "inbound.type": TYPE,
        "topic.bootstrapServers": server.bootstrap,
        "topic.topicName": topic,
        "groupId": f"group-{topic}",
        "autoOffsetReset": "earliest",
        **extra,
    }


def produce(server: Kafka, topic: str, values: list[bytes], **kwargs: Any) -> None:
    producer = Producer({"bootstrap.servers": server.bootstrap, "logger": QUIET})
    for value in values:
        producer.produce(topic, value, **kwargs)
    assert producer.flush(30) == 0


def committed(server: Kafka, group: str, topic: str) -> int:
    """The group's committed offset of partition 0 (-1001: none)."""
    reader = Consumer({"bootstrap.servers": server.bootstrap, "group.id": group, "logger": QUIET})
    try:
        (tp,) = reader.committed([TopicPartition(topic, 0)], timeout=10)
        return int(tp.offset)
    finally:
        reader.close()


def test_the_corpus_holds_every_inbound_template_version() -> None:
    assert len(TEMPLATES) == 24
    for tpl in TEMPLATES:
        types = {
            p.get("value")
            for p in tpl["properties"]
            if p.get("binding", {}).get("name") == "inbound.type"
        }
        assert types == {TYPE}, template_id(tpl)


@pytest.mark.parametrize("tpl", TEMPLATES, ids=template_id)
def test_every_template_version_binds_to_the_consumers_settings(tpl: dict[str, Any]) -> None:
    values = properties(Kafka("127.0.0.1", 9092, 9093), "orders", offsets="=[5]")
    values.update({"authentication.username": "ada", "authentication.password": "pw"})
    values["additionalProperties"] = '={"session.timeout.ms": 6000}'
    element = element_properties(tpl, values)
    assert element["inbound.type"] == TYPE
    data = InboundTestContext(element).bind(consume.input)
    bootstrap, _, user, password = connection(data)
    config = consumer_config(data, bootstrap, group_id(data, element, None))
    assert (bootstrap, user, password) == ("127.0.0.1:9092", "ada", "pw")
    if "groupId" in element:
        assert config["group.id"] == "group-orders"
    else:  # Intermediate v1 has no group id field
        assert config["group.id"].startswith("kafka-inbound-connector-")
    assert config["auto.offset.reset"] == "earliest"
    assert config["enable.auto.commit"] == "false"
    assert config["session.timeout.ms"] == "6000"
    assert config["sasl.username"] == "ada"
    assert offsets(data) == [5]


LATEST = [t for t in TEMPLATES if t.get("version") == 8]


@pytest.mark.parametrize("tpl", LATEST, ids=template_id)
def test_the_latest_version_of_each_element_consumes(
    tpl: dict[str, Any], kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    element = element_properties(tpl, properties(kafka_server, kafka_topic))
    context = InboundTestContext(element)
    produce(kafka_server, kafka_topic, [b'{"version": 8}'])
    consumer = running(consume, context)
    wait_for(lambda: context.correlations, what="a correlation")
    consumer.stop()
    assert context.correlations[0].variables["value"] == {"version": 8}


def test_a_record_arrives_with_camundas_variables_and_message_id(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    produce(
        kafka_server,
        kafka_topic,
        [b'{\'order\': 42, "items": ["tea"]}', b"plain text"],
        key=b'{"id": 7}',
        headers=[("tenant", b"acme"), ("empty", None)],
    )
    context = InboundTestContext(properties(kafka_server, kafka_topic))
    running(consume, context)
    first, second = wait_for(
        lambda: context.correlations[:2] if len(context.correlations) >= 2 else None
    )
    assert first.message_id == f"{kafka_topic}-0-0"
    assert first.variables == {
        "key": {"id": 7},
        "rawValue": '{\'order\': 42, "items": ["tea"]}',
        "value": {"order": 42, "items": ["tea"]},
        "headers": {"tenant": "acme", "empty": None},
    }
    assert second.message_id == f"{kafka_topic}-0-1"
    assert second.variables["value"] == "plain text" == second.variables["rawValue"]
    wait_for(lambda: committed(kafka_server, f"group-{kafka_topic}", kafka_topic) == 2)


def test_a_refused_record_is_retried_and_the_offset_waits_for_it(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    refused_once: set[str] = set()

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if message_id and message_id.endswith("-0-1") and message_id not in refused_once:
            refused_once.add(message_id)
            return CorrelationResult(CorrelationOutcome.ENGINE_ERROR, False, retryable=True)
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    produce(kafka_server, kafka_topic, [b"a", b"b", b"c"])
    context = InboundTestContext(properties(kafka_server, kafka_topic), answer=answer)
    consumer = running(consume, context)
    wait_for(lambda: len(context.correlations) >= 3, what="three records")
    group = f"group-{kafka_topic}"
    assert [c.message_id[-1] for c in context.correlations[:3]] == ["0", "1", "2"]
    wait_for(lambda: committed(kafka_server, group, kafka_topic) == 1, what="commit up to b")
    wait_for(lambda: len(context.correlations) == 4, what="the retry of b")
    wait_for(lambda: committed(kafka_server, group, kafka_topic) == 3, what="the full commit")
    consumer.stop()
    assert context.correlations[3].message_id == f"{kafka_topic}-0-1"


def test_a_record_never_accepted_is_read_again_after_a_restart(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    produce(kafka_server, kafka_topic, [b"a", b"b"])
    refuse = InboundTestContext(
        properties(kafka_server, kafka_topic),
        answer=lambda v, m: CorrelationResult(
            CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=not m.endswith("-0-0")
        ),
    )
    first = running(consume, refuse)
    wait_for(lambda: len(refuse.correlations) >= 2)
    first.stop()
    assert committed(kafka_server, f"group-{kafka_topic}", kafka_topic) in (0, -1001)
    again = InboundTestContext(properties(kafka_server, kafka_topic))
    running(consume, again)
    wait_for(lambda: len(again.correlations) >= 2, what="both records again")
    assert [c.message_id for c in again.correlations[:2]] == [
        f"{kafka_topic}-0-0",
        f"{kafka_topic}-0-1",  # accepted before: the runtime's message-id deduplication drops it
    ]


def test_a_poison_record_does_not_stop_the_others(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if variables["value"] == "poison":
            raise RuntimeError("the answer broke on this record")
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    produce(kafka_server, kafka_topic, [b"a", b"poison", b"c", b"d"])
    context = InboundTestContext(properties(kafka_server, kafka_topic), answer=answer)
    consumer = running(consume, context)
    wait_for(
        lambda: {"a", "c", "d"} <= {c.variables["value"] for c in context.correlations},
        what="the other records",
    )
    consumer.stop()
    assert consumer.errors == []
    assert any("the answer broke" in m for s, m in context.activity if s == "ERROR")
    assert committed(kafka_server, f"group-{kafka_topic}", kafka_topic) == 1  # up to poison


def test_stopping_ends_the_loop_and_leaves_the_group(
    kafka_server: Kafka, kafka_topic: str, running: Start, kafka_admin: Any
) -> None:
    context = InboundTestContext(properties(kafka_server, kafka_topic))
    consumer = running(consume, context)
    wait_for(lambda: context.health[0] == Health.UP, what="UP")
    consumer.stop()
    (described,) = kafka_admin.describe_consumer_groups([f"group-{kafka_topic}"]).values()
    assert described.result(10).members == []


def test_the_derived_group_id_follows_camundas_rule_and_is_stable() -> None:
    element = {
        "topic.bootstrapServers": "k:9092",
        "topic.topicName": "orders",
        "authentication.password": "pw",
    }
    data = KafkaInboundInput.model_validate({"topic": {"topicName": "orders"}})
    assert group_id(data, element, "dedup-1") == "kafka-inbound-connector-dedup-1"
    assert group_id(data, element, "x" * 300) == ("kafka-inbound-connector-" + "x" * 300)[:250]
    derived = group_id(data, element, None)
    assert derived.startswith("kafka-inbound-connector-")
    assert group_id(data, {**element, "authentication.password": "other"}, None) == derived
    assert group_id(data, {**element, "topic.topicName": "other"}, None) != derived
    manual = {**element, "deduplicationModeManualFlag": True, "deduplicationId": "orders-in"}
    assert group_id(data, manual, None) == "kafka-inbound-connector-orders-in"
    named = KafkaInboundInput.model_validate({"groupId": "my-app"})
    assert group_id(named, element, "dedup-1") == "my-app"


def test_without_a_group_id_the_derived_one_consumes(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    values = properties(kafka_server, kafka_topic)
    del values["groupId"]
    context = InboundTestContext(values)
    produce(kafka_server, kafka_topic, [b"1"])
    running(consume, context)
    wait_for(lambda: context.correlations)
    assert any("No consumer group ID configured" in m for _, m in context.activity)


def test_configured_offsets_are_sought_on_assignment(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    produce(kafka_server, kafka_topic, [b"0", b"1", b"2", b"3"])
    context = InboundTestContext(properties(kafka_server, kafka_topic, offsets="=[2]"))
    running(consume, context)
    wait_for(lambda: len(context.correlations) >= 2)
    assert [c.variables["value"] for c in context.correlations] == [2, 3]


def test_an_inline_avro_schema_decodes_the_value(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    schema = {
        "type": "record",
        "name": "Order",
        "fields": [{"name": "id", "type": "int"}, {"name": "item", "type": "string"}],
    }
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), {"id": 42, "item": "tea"})
    produce(kafka_server, kafka_topic, [out.getvalue()])
    values = properties(
        kafka_server,
        kafka_topic,
        **{"schemaStrategy.type": "inlineSchema", "schemaStrategy.schema": json.dumps(schema)},
    )
    context = InboundTestContext(values)
    running(consume, context)
    (correlation,) = wait_for(lambda: context.correlations)
    assert correlation.variables["value"] == {"id": 42, "item": "tea"}
    assert correlation.variables["rawValue"] is None


def test_a_cluster_that_does_not_answer_is_down_with_the_reason(running: Start) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # default.api.timeout.ms bounds the wait for the topic's metadata (10 s when not set)
    context = InboundTestContext(
        {
            "topic.bootstrapServers": f"127.0.0.1:{port}",
            "topic.topicName": "t",
            "groupId": "g",
            "additionalProperties": '={"default.api.timeout.ms": 1000}',
        }
    )
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health, 30)
    assert f"127.0.0.1:{port}" in health[1]
    # after librdkafka's "brokers are down", the metadata wait's end says how long it waited
    waited = wait_for(lambda: "did not answer within" in context.health[1] and context.health, 30)
    assert waited[0] == Health.DOWN and "did not answer within 1 s" in waited[1]


def test_the_network_door_applies_to_the_bootstrap_servers(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    context = InboundTestContext(
        properties(kafka_server, kafka_topic), allow_hosts=["kafka.example.com"]
    )
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health)
    assert "may not connect to 127.0.0.1" in health[1]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"topic.topicName": " "}, "topic.topicName"),
        ({"topic.bootstrapServers": "nohost"}, "topic.bootstrapServers"),
        ({"offsets": "ten"}, "offsets"),
        ({"additionalProperties": '={"no.such.setting": 1}'}, "additionalProperties"),
        ({"additionalProperties": '={"default.api.timeout.ms": "soon"}'}, "additionalProperties"),
    ],
)
def test_bad_input_names_the_field(values: dict[str, Any], field: str) -> None:
    element = {"topic.bootstrapServers": "k:9092", "topic.topicName": "t", **values}
    context = InboundTestContext(element)
    with pytest.raises(Exception) as raised:
        consume.function(context.bind(consume.input), context)
    assert getattr(raised.value, "field", None) == field


def test_with_many_records_refused_the_consumer_pauses_then_drains(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    produce(kafka_server, kafka_topic, [str(n).encode() for n in range(250)])
    engine_up = threading.Event()

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if not engine_up.is_set():
            return CorrelationResult(CorrelationOutcome.ENGINE_ERROR, False, retryable=True)
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    context = InboundTestContext(properties(kafka_server, kafka_topic), answer=answer)
    running(consume, context)
    wait_for(lambda: len(context.correlations) >= HELD_MAX, what="the records kept aside")
    seen_while_down = {c.message_id for c in context.correlations}
    # paused at HELD_MAX kept records (plus what one consume call had already returned)
    assert len(seen_while_down) <= HELD_MAX + 100
    assert committed(kafka_server, f"group-{kafka_topic}", kafka_topic) in (0, -1001)
    engine_up.set()
    wait_for(
        lambda: committed(kafka_server, f"group-{kafka_topic}", kafka_topic) == 250,
        what="every record committed once the engine answers",
    )


def test_sasl_credentials_consume_and_a_wrong_password_is_down_without_it(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    produce(kafka_server, kafka_topic, [b"secured"])
    sasl = {
        "topic.bootstrapServers": kafka_server.sasl_bootstrap,
        "authentication.username": kafka_server.user,
        "authentication.password": kafka_server.password,
        "additionalProperties": '={"security.protocol": "SASL_PLAINTEXT"}',
    }
    context = InboundTestContext(properties(kafka_server, kafka_topic, **sasl))
    consumer = running(consume, context)
    wait_for(lambda: context.correlations, what="a record over SASL")
    consumer.stop()
    wrong = "not-the-Kafka-pass-9"
    # the refusal is known at once; the topic's metadata is not waited for 10 s
    quick = '={"security.protocol": "SASL_PLAINTEXT", "default.api.timeout.ms": 1000}'
    refused = InboundTestContext(
        properties(
            kafka_server,
            kafka_topic,
            **{**sasl, "authentication.password": wrong, "additionalProperties": quick},
        )
    )
    running(consume, refused)
    health = wait_for(
        lambda: (
            refused.health[0] == Health.DOWN
            and "Authentication failed" in refused.health[1]
            and refused.health
        ),
        what="DOWN with the login refusal",
    )
    assert wrong not in health[1] and all(wrong not in m for _, m in refused.activity)


def test_a_schema_registry_decodes_avro_and_json_values(
    kafka_server: Kafka, kafka_topic: str, running: Start
) -> None:
    avro = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "int"}]}
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(avro), {"id": 42})
    framed_avro = b"\x00" + (7).to_bytes(4, "big") + out.getvalue()
    framed_json = b"\x00" + (8).to_bytes(4, "big") + b'{"id": 43}'
    with RecordingServer() as registry:
        registry.route("/schemas/ids/7", Reply(json={"schema": json.dumps(avro)}))
        registry.route("/schemas/ids/8", Reply(json={"schema": "{}", "schemaType": "JSON"}))
        produce(kafka_server, kafka_topic, [framed_avro, framed_json, framed_avro, b"plain"])
        values = {
            "schemaStrategy.type": "schemaRegistry",
            "schemaStrategy.schemaRegistryUrl": registry.url,
            "additionalProperties": '={"basic.auth.user.info": "reg:pw"}',
        }
        context = InboundTestContext(properties(kafka_server, kafka_topic, **values))
        running(consume, context)
        wait_for(lambda: len(context.correlations) >= 3, what="the framed records")
        wait_for(lambda: any("wire format" in m for _, m in context.activity), what="plain")
    first, second, third = (c.variables for c in context.correlations[:3])
    assert first["value"] == {"id": 42} and first["rawValue"] is None
    assert second["value"] == {"id": 43} and second["rawValue"] == '{"id":43}'
    assert third["value"] == {"id": 42}
    assert registry.count("/schemas/ids/7") == 1  # cached by id
    assert registry.last("/schemas/ids/7").header("Authorization") == "Basic cmVnOnB3"
