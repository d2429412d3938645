"""One record sent with librdkafka (confluent-kafka), every broker vetted by the network door.

librdkafka opens its own sockets and offers Python no resolve or connect hook, so the door is
applied around it: each bootstrap server is resolved and checked by `context.network` before the
producer exists (and, without TLS, given to librdkafka as the vetted address, so that
connection cannot be rebound); then the cluster's metadata for the topic is fetched and every
broker it advertises is checked the same way before a record is produced (librdkafka connects
to a partition leader only when it has something to send to it).

Unlike Camunda's KafkaConnectorFunction, which opens and closes a producer per execution, a
producer that delivered its record is kept for the next job with the same settings and policy
(pool.py); the door's checks above still run for every job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from connectorhub_sdk import ConnectorContext, ConnectorError, ConnectorInputError

from .pool import POOL, Lent
from .properties import ProducerSettings

PREFIX = "Error during Kafka Producer execution; error message: "
METADATA_WAIT = 60.0  # Java's max.block.ms, Camunda's value
DELIVERY_WAIT = 45.0  # Camunda waits 45 s for the send's future
# Java keeps asking for an unknown topic until max.block.ms (60 s) ends; a job here fails after
# this much, so a wrong topic name does not hold a worker for a minute
UNKNOWN_TOPIC_GRACE = 3.0
LIMIT_MARGIN = 0.3  # seconds kept before the job's time limit to report why it ran out
ERRORS = "org.apache.kafka.common.errors."


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    @property
    def size(self) -> int:
        return (
            len(self.key or b"")
            + len(self.value or b"")
            + sum(len(k) + len(v) for k, v in self.headers)
        )


def failed(text: str) -> ConnectorError:
    """Camunda wraps every producer failure alike: code FAIL, the Java exception's text."""
    return ConnectorError("FAIL", f"{PREFIX}[{text}]")


def servers(text: str | None, field: str) -> list[tuple[str, int]]:
    """`host:port,host:port` (IPv6 as `[::1]:9092`); each entry needs its port, as in Java."""
    found: list[tuple[str, int]] = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, _, port = entry.rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConnectorInputError(
                f"'{entry}' is not host:port (a comma-separated list of them)", field=field
            )
        found.append((host, int(port)))
    if not found:
        raise ConnectorInputError("must not be empty", field=field)
    return found


def _joined(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def vetted_bootstrap(wanted: list[tuple[str, int]], tls: bool, context: ConnectorContext) -> str:
    """Each server checked by the door; without TLS librdkafka gets the vetted address."""
    chosen = []
    for host, port in wanted:
        try:
            addresses = context.network.resolve(host, port)
        except OSError:
            # the Java producer's constructor refuses names that do not resolve
            raise failed(
                "org.apache.kafka.common.KafkaException: Failed to construct kafka producer: "
                f"No resolvable bootstrap urls given in bootstrap.servers ({host})"
            ) from None
        # with TLS the name stays: librdkafka checks the certificate against it
        chosen.append(_joined(host if tls else addresses[0], port))
    return ",".join(chosen)


class Send:
    """One record on a pooled producer: metadata, the door's check of the brokers, the
    delivery. Use as a context manager: the producer goes back to the pool only when the
    record was delivered; after any failure (a refused login, a broker the door refuses)
    it is dropped."""

    def __init__(self, settings: ProducerSettings, context: ConnectorContext) -> None:
        self.context = context
        config: dict[str, Any] = dict(settings.config)
        try:
            self.lent: Lent = POOL.borrow(config, context.address_policy)
        except (KafkaException, ValueError, TypeError) as exc:
            raise ConnectorInputError(_config_problem(exc), field="additionalProperties") from None
        self.producer: Producer = self.lent.producer
        self.errors: list[KafkaError] = self.lent.errors
        # librdkafka accepted it, so it is a whole number
        self.size_limit = int(config["message.max.bytes"])

    def __enter__(self) -> Send:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if kind is None:
            POOL.give_back(self.lent)
        else:
            self.producer.flush(0)  # dropped: destroyed with its last reference

    def run(self, record: Record) -> dict[str, Any]:
        metadata_until = time.monotonic() + self._bounded(METADATA_WAIT)
        self._vet_brokers(record.topic, metadata_until)
        delivered: list[tuple[KafkaError | None, Message]] = []
        headers: list[tuple[str, str | bytes | None]] = list(record.headers)
        try:
            self.producer.produce(
                record.topic,
                value=record.value,
                key=record.key,
                headers=headers or None,
                on_delivery=lambda err, msg: delivered.append((err, msg)),
            )
        except (KafkaException, BufferError) as exc:
            raise self._produce_failed(exc, record) from None
        waiting = self._bounded(DELIVERY_WAIT)
        until = time.monotonic() + waiting
        while not delivered and time.monotonic() < until:
            self.producer.poll(min(0.1, max(until - time.monotonic(), 0)))
        if not delivered:
            raise failed(
                f"{ERRORS}TimeoutException: the broker did not acknowledge the record within "
                f"{round(waiting * 1000)} ms"
            )
        error, message = delivered[0]
        if error is not None:
            raise failed(_java_text(error))
        _kind, timestamp = message.timestamp()
        return {
            "topic": message.topic(),
            "timestamp": timestamp,
            "offset": message.offset(),
            "partition": message.partition(),
        }

    def _bounded(self, seconds: float) -> float:
        """SECONDS, or less when the job's time limit ends sooner (a moment before it, so the
        job fails with what the producer was waiting for rather than a bare time-out)."""
        limit = self.context.time_remaining()
        return seconds if limit is None else max(min(seconds, limit - LIMIT_MARGIN), 0.0)

    def _vet_brokers(self, topic: str, until: float) -> None:
        """Wait for the topic's metadata, then check every broker the cluster advertises."""
        started = time.monotonic()
        unknown_until = min(until, started + UNKNOWN_TOPIC_GRACE)
        while True:
            wait = max(min(0.25, until - time.monotonic()), 0.01)
            try:
                metadata = self.producer.list_topics(topic, timeout=wait)
            except KafkaException:
                self.producer.poll(0)  # serves error_cb: a refused connection, a bad password
                fatal = _fatal(self.errors)
                if fatal is not None:
                    raise failed(fatal) from None
                if time.monotonic() >= until:
                    waited = round((time.monotonic() - started) * 1000)
                    raise failed(
                        f"{ERRORS}TimeoutException: Topic {topic} not present in metadata "
                        f"after {waited} ms."
                    ) from None
                continue
            found = metadata.topics.get(topic)
            if found is None or found.error is None:
                break
            if found.error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise failed(_java_text(found.error))
            if time.monotonic() >= unknown_until:
                raise failed(
                    f"{ERRORS}UnknownTopicOrPartitionException: Topic {topic} not present in "
                    "metadata: the cluster does not have it and did not create it"
                )
            time.sleep(0.1)  # a topic just created reaches every broker's metadata shortly
        for broker in metadata.brokers.values():
            try:
                self.context.network.resolve(broker.host, broker.port)
            except OSError:
                raise failed(
                    f"{ERRORS}TimeoutException: the broker the cluster advertises as "
                    f"{_joined(broker.host, broker.port)} cannot be resolved"
                ) from None

    def _produce_failed(self, exc: Exception, record: Record) -> ConnectorError:
        error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
        if error is not None and error.code() == KafkaError.MSG_SIZE_TOO_LARGE:
            return failed(
                f"{ERRORS}RecordTooLargeException: The message is {record.size} bytes when "
                f"serialized which is larger than {self.size_limit}, which is the value of the "
                "max.request.size configuration."
            )
        return failed(_java_text(error) if error is not None else str(exc))


def _fatal(errors: list[KafkaError]) -> str | None:
    """The failure that ends the wait for metadata: a refused login, or every broker down."""
    for error in errors:
        if error.code() == KafkaError._AUTHENTICATION:
            return _java_text(error)
    if any(e.code() == KafkaError._ALL_BROKERS_DOWN for e in errors):
        cause = next((e for e in errors if e.code() != KafkaError._ALL_BROKERS_DOWN), None)
        detail = f" ({_short(cause.str())})" if cause is not None else ""
        return f"{ERRORS}TimeoutException: no broker could be reached{detail}"
    return None


def _short(text: str) -> str:
    """librdkafka's text without its state suffix: `... failed: Connection refused`."""
    return text.split(" (after ")[0]


def _java_text(error: KafkaError) -> str:
    """The Java client's exception for the same failure, with librdkafka's words."""
    code, text = error.code(), _short(error.str())
    if code == KafkaError._AUTHENTICATION:
        reason = text.split("SASL authentication error: ")[-1]
        return f"{ERRORS}SaslAuthenticationException: {reason}"
    if code == KafkaError.MSG_SIZE_TOO_LARGE:
        return (
            f"{ERRORS}RecordTooLargeException: The request included a message larger than the "
            "max message size the server will accept."
        )
    if code in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED):
        return f"{ERRORS}TopicAuthorizationException: {text}"
    if code == KafkaError._MSG_TIMED_OUT:
        return f"{ERRORS}TimeoutException: {text}"
    return f"{ERRORS}KafkaException: {text}"


def _config_problem(exc: Exception) -> str:
    error = exc.args[0] if exc.args else exc
    text = error.str() if isinstance(error, KafkaError) else str(error)
    return f"the Kafka client refused the producer settings: {text.strip()}"
