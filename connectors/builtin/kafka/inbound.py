"""`io.camunda:connector-kafka-inbound:1`, Camunda's Kafka consumer, drop-in for every version of
its start, message start, intermediate, boundary and receive templates (docs/kafka-connector.md,
"Inbound").

Follows KafkaExecutable and KafkaConnectorConsumer: a consumer subscribed to the topic with auto
commit off, the configured offsets sought on every assignment (OffsetUpdateRequiredListener),
each record correlated with the message id `<topic>-<partition>-<offset>`, offsets committed for
what the engine accepted. Where Camunda throws on a refused record (and so stops the partition
until its 30 s retry, then reads the same record again), the hub keeps the record aside, goes on
with the others and tries it again with back-off; the committed offset never passes a record the
engine has not accepted, so a restart reads it again (and the accepted ones after it, which the
message-id deduplication drops).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.inbound import Health, InboundContext, consumer

from connectors.builtin.consuming import Backoff, deliver, keep_consuming

from . import inbound_records as records
from .inbound_values import Decoder
from .producer import servers

TYPE = "io.camunda:connector-kafka-inbound:1"
POLL_SECONDS = 0.25  # how often the loop looks at `stopping` while the topic is idle
BATCH = 100  # records taken from librdkafka's queue at once
HELD_MAX = 100  # records kept aside for a retry before the consumer pauses to let them drain
RETRY_FIRST, RETRY_MOST = 1.0, 30.0  # seconds between retries of the records kept aside
METADATA_SECONDS = 10.0  # the wait for the topic's metadata unless default.api.timeout.ms says


@consumer(
    type=TYPE,
    name="Kafka Consumer",
    input=records.KafkaInboundInput,
    description="Start or continue a process for each record of a Kafka topic; runs Camunda's "
    "official Kafka inbound templates unchanged.",
)
def consume(data: records.KafkaInboundInput, context: InboundContext) -> None:
    """Consume the topic until the element is deactivated; commit only accepted records."""
    bootstrap, bootstrap_field, _, _ = records.connection(data)
    topic = ((data.topic.topicName if data.topic else None) or "").strip()
    if not topic:
        raise ConnectorInputError("must not be empty", field="topic.topicName")
    wanted = servers(bootstrap, bootstrap_field)
    group = records.group_id(data, dict(context.properties), context.deduplication_id)
    config = records.consumer_config(data, bootstrap, group)
    decoding = records.decoder(data, context.network)
    seek_to = records.offsets(data)
    metadata_wait = records.metadata_seconds(data) or METADATA_SECONDS
    if not data.groupId and "group.id" not in (data.additionalProperties or {}):
        context.log(
            "No consumer group ID configured: the derived one is used; set one to keep the "
            "group whatever changes in the element",
            severity="WARNING",
            tag="CONSUMER",
        )
    context.log(f"Using consumer group ID: {config['group.id']}", tag="CONSUMER")

    def session(backoff: Backoff) -> None:
        config["bootstrap.servers"] = _vetted(wanted, config, context)
        Session(context, config, topic, decoding, seek_to, metadata_wait).run(backoff)

    keep_consuming(context, session, _describe)


def _vetted(wanted: list[tuple[str, int]], config: dict[str, str], context: InboundContext) -> str:
    """Each bootstrap server through the door; without TLS librdkafka gets the vetted address."""
    tls = config.get("security.protocol", "plaintext").lower() in ("ssl", "sasl_ssl")
    chosen = []
    for host, port in wanted:
        addresses = context.network.resolve(host, port)
        address = host if tls else addresses[0]  # with TLS the name stays, for the certificate
        chosen.append(f"[{address}]:{port}" if ":" in address else f"{address}:{port}")
    return ",".join(chosen)


@dataclass
class Session:
    """One librdkafka consumer from subscribe to close."""

    context: InboundContext
    config: dict[str, str]
    topic: str
    decoding: Decoder | None
    seek_to: list[int] | None
    metadata_wait: float = METADATA_SECONDS  # seconds
    held: list[Message] = field(default_factory=list)  # not accepted yet: retried
    done: dict[int, int] = field(default_factory=dict)  # partition -> next offset handled
    committed: dict[int, int] = field(default_factory=dict)
    problem: str = ""  # the last error librdkafka reported, for health DOWN
    retry_at: float = 0.0
    retry_delay: float = RETRY_FIRST
    down: bool = False
    paused: bool = False

    def run(self, backoff: Backoff) -> None:
        client = Consumer({**self.config, "error_cb": self._error, "logger": _QUIET})
        try:
            self._check_brokers(client)  # before subscribing: poll() then reads no record
            client.subscribe([self.topic], on_assign=self._assigned, on_revoke=self._revoked)
            self.context.report_health(Health.UP, f"consuming topic '{self.topic}'")
            self.context.log(f"Subscription activated for topic {self.topic}", tag="CONSUMER")
            backoff.reset()
            while not self.context.stopping.is_set():
                self._round(client)
            self._commit(client, asynchronous=False)
        finally:
            client.close()

    def _round(self, client: Consumer) -> None:
        if self.down:
            self._recovered(client)
        full = len(self.held) >= HELD_MAX
        if full != self.paused:  # paused, consume still runs: the group keeps this member
            (client.pause if full else client.resume)(client.assignment())
            self.paused = full
        messages = _take(client)
        for message in messages:
            error = message.error()
            if error is None:
                self._handle(client, message)
            elif error.code() != KafkaError._PARTITION_EOF:
                raise KafkaException(error)
            if self.context.stopping.is_set():
                break
        if self.held and time.monotonic() >= self.retry_at:
            self._retry()
        self._commit(client, asynchronous=True)

    def _handle(self, client: Consumer, message: Message) -> None:
        """Correlate one record, then commit it at once, asynchronously: librdkafka sends the
        commits in order while the next record is correlated (a synchronous one waited for the
        broker's answer each time); a crash repeats only what had not reached the broker."""
        partition, offset = _where(message)
        accepted = self._deliver(message)
        self.done[partition] = offset + 1
        if accepted and not self.held:  # the common case, without the general bookkeeping
            offsets = [TopicPartition(self.topic, partition, offset + 1)]
            client.commit(offsets=offsets, asynchronous=True)
            self.committed[partition] = offset + 1
            return
        if not accepted:
            self.held.append(message)
            if len(self.held) == 1:
                self.retry_at = time.monotonic() + self.retry_delay
        self._commit(client, asynchronous=True)

    def _deliver(self, message: Message) -> bool:
        message_id = f"{message.topic()}-{message.partition()}-{message.offset()}"
        return deliver(
            self.context,
            f"Kafka record {message_id} with key {_shown_key(message)}",
            lambda: records.variables(
                message.key(), message.value(), message.headers(), self.decoding
            ),
            message_id,
        )

    def _retry(self) -> None:
        kept = [m for m in self.held if not self._deliver(m)]
        self.retry_delay = RETRY_FIRST if len(kept) < len(self.held) else self.retry_delay * 2
        self.retry_delay = min(self.retry_delay, RETRY_MOST)
        self.held = kept
        self.retry_at = time.monotonic() + self.retry_delay

    def _commit(self, client: Consumer, *, asynchronous: bool) -> None:
        """Commit, per partition, up to the first record not accepted yet."""
        marks = dict(self.done)
        for kept in self.held:
            partition, offset = _where(kept)
            marks[partition] = min(marks.get(partition, offset), offset)
        changed = [
            TopicPartition(self.topic, p, o) for p, o in marks.items() if self.committed.get(p) != o
        ]
        if not changed:
            return
        try:
            if asynchronous:
                client.commit(offsets=changed, asynchronous=True)
            else:
                client.commit(offsets=changed, asynchronous=False)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:
                raise
        self.committed.update({tp.partition: tp.offset for tp in changed})

    def _assigned(self, client: Consumer, partitions: list[TopicPartition]) -> None:
        """OffsetUpdateRequiredListener: the configured offsets, on every assignment."""
        if self.seek_to:
            count = len(client.list_topics(self.topic, timeout=self.metadata_wait).topics[
                self.topic
            ].partitions)  # fmt: skip
            if count != len(self.seek_to):
                self.problem = "Number of offsets provided is not equal the number of partitions!"
                raise ConnectorInputError(self.problem, field="offsets")
            for tp in partitions:
                tp.offset = self.seek_to[tp.partition]
            client.assign(partitions)

    def _revoked(self, client: Consumer, partitions: list[TopicPartition]) -> None:
        """Before another member takes them: commit what was accepted, forget the rest."""
        gone = {tp.partition for tp in partitions}
        self._commit(client, asynchronous=False)
        self.held = [m for m in self.held if m.partition() not in gone]
        for partition in gone:
            self.done.pop(partition, None)
            self.committed.pop(partition, None)

    def _check_brokers(self, client: Consumer) -> None:
        """The topic exists; every broker the cluster advertises passes the door."""
        try:
            metadata = client.list_topics(self.topic, timeout=self.metadata_wait)
        except KafkaException as exc:
            client.poll(POLL_SECONDS)  # serves error_cb: a refused login says so
            reason = self.problem or _describe(exc)
            where = self.config["bootstrap.servers"]
            raise ConnectionError(
                f"the cluster at {where} did not answer within {self.metadata_wait:g} s: {reason}"
            ) from None
        found = metadata.topics.get(self.topic)
        if found is not None and found.error is not None:
            raise KafkaException(found.error)
        for broker in metadata.brokers.values():
            self.context.network.resolve(broker.host, broker.port)

    def _recovered(self, client: Consumer) -> None:
        """UP again once the cluster answers after a DOWN."""
        try:
            client.list_topics(self.topic, timeout=POLL_SECONDS)
        except KafkaException:
            return
        self.down = False
        self.context.report_health(Health.UP, f"consuming topic '{self.topic}'")
        self.context.log("Kafka consumer: the cluster answers again", tag="CONSUMER")

    def _error(self, error: KafkaError) -> None:
        """librdkafka's error callback: a broker down, a refused login."""
        self.problem = error.str()
        if error.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._AUTHENTICATION):
            self.down = True
            where = self.config["bootstrap.servers"]
            reason = f"the cluster at {where} does not answer: {error.str()}"
            self.context.report_health(Health.DOWN, reason)
            self.context.log(f"Kafka consumer: {reason}", severity="ERROR", tag="CONSUMER")


def _take(client: Consumer) -> list[Message]:
    """Up to BATCH records librdkafka has fetched already; when there are none, wait at most
    POLL_SECONDS for the next one. (`consume(BATCH, timeout)` waits out its whole timeout
    unless the batch fills, which kept a record of a quiet topic waiting up to POLL_SECONDS.)"""
    ready = client.consume(BATCH, 0)
    if ready:
        return ready
    first = client.poll(POLL_SECONDS)
    return [first] if first is not None else []


class _Quiet:
    """librdkafka's log lines (reconnects) stay out of the hub's log: health says it."""

    def log(self, *args: Any, **kwargs: Any) -> None:
        return None


_QUIET = _Quiet()


def _where(message: Message) -> tuple[int, int]:
    """A consumed record's partition and offset (librdkafka sets both)."""
    partition, offset = message.partition(), message.offset()
    assert partition is not None and offset is not None
    return partition, offset


def _shown_key(message: Message) -> str:
    key = message.key()
    return "null" if key is None else key.decode("utf-8", errors="replace")[:80]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return str(exc.args[0].str())
    return str(exc) or type(exc).__name__
