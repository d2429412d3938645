"""Producer properties as Camunda assembles them (KafkaPropertiesUtil), in librdkafka's names.

Camunda builds a Java `Properties`: SASL (PLAIN, SASL_SSL) when a user name and password are
given, the bootstrap servers, its recommended defaults, then the template's additional
properties on top. Users write Java client names; most are librdkafka's too, the others are
translated here, Java-only settings with no librdkafka meaning are accepted and ignored, and
anything else is refused with the property named. librdkafka settings that run commands, load
libraries or reach other hosts by themselves are never accepted from a job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from connectorhub_sdk import ConnectorInputError

FIELD = "additionalProperties"

# Camunda's recommended defaults that librdkafka also has (the rest are consumer settings)
DEFAULTS = {
    "acks": "all",
    "linger.ms": "0",
    "request.timeout.ms": "30000",
    "delivery.timeout.ms": "45000",
    "client.dns.lookup": "use_all_dns_ips",
    # Java's max.request.size default (1 MiB); librdkafka's own is 1000000
    "message.max.bytes": "1048576",
}

# Java producer names that librdkafka spells the same and reads the same way
SAME = frozenset(
    [
        "acks",
        "batch.size",
        "client.id",
        "client.dns.lookup",
        "compression.type",
        "connections.max.idle.ms",
        "delivery.timeout.ms",
        "enable.idempotence",
        "linger.ms",
        "max.in.flight.requests.per.connection",
        "metadata.max.age.ms",
        "reconnect.backoff.max.ms",
        "reconnect.backoff.ms",
        "request.timeout.ms",
        "retries",
        "retry.backoff.max.ms",
        "retry.backoff.ms",
        "sasl.mechanism",
        "security.protocol",
        "socket.connection.setup.timeout.ms",
        "ssl.cipher.suites",
        "ssl.enabled.protocols",
        "ssl.endpoint.identification.algorithm",
        "ssl.key.password",
        "ssl.keystore.location",
        "ssl.keystore.password",
        "ssl.ca.location",
        "ssl.certificate.location",
        "ssl.key.location",
        "ssl.ca.pem",
        "ssl.certificate.pem",
        "ssl.key.pem",
        "message.max.bytes",
        "sasl.username",
        "sasl.password",
    ]
)
# Java name -> librdkafka name
RENAMED = {
    "max.request.size": "message.max.bytes",
    "send.buffer.bytes": "socket.send.buffer.bytes",
    "receive.buffer.bytes": "socket.receive.buffer.bytes",
    "compression.gzip.level": "compression.level",
    "compression.lz4.level": "compression.level",
    "compression.zstd.level": "compression.level",
    "ssl.truststore.certificates": "ssl.ca.pem",
    "ssl.keystore.certificate.chain": "ssl.certificate.pem",
    "ssl.keystore.key": "ssl.key.pem",
}
# Java settings with no effect on one send here (consumer settings Camunda adds, serializers
# Camunda chooses itself, waits the job's time limit bounds, PEM store types)
IGNORED = frozenset(
    [
        "session.timeout.ms",
        "heartbeat.interval.ms",
        "default.api.timeout.ms",
        "max.block.ms",
        "key.serializer",
        "value.serializer",
        "ssl.truststore.type",
        "ssl.keystore.type",
        "ssl.protocol",
        "metadata.max.idle.ms",
        "enable.metrics.push",
        "partitioner.adaptive.partitioning.enable",
        "partitioner.availability.timeout.ms",
        "security.providers",
        "auto.register.schemas",
        "basic.auth.credentials.source",
        "basic.auth.user.info",
        "schema.registry.url",
        "use.latest.version",
    ]
)
UNSUPPORTED = {
    "ssl.truststore.location": "Java key stores cannot be read here; give the CA certificates "
    "as PEM in ssl.truststore.certificates (or ssl.ca.pem)",
    "ssl.truststore.password": "Java key stores cannot be read here; give the CA certificates "
    "as PEM in ssl.truststore.certificates (or ssl.ca.pem)",
    "transactional.id": "transactions are not used by the connector (one record per job)",
    "partitioner.class": "custom Java classes cannot run here",
    "interceptor.classes": "custom Java classes cannot run here",
    "buffer.memory": "not needed: the connector sends one record per producer",
}
JAAS_CREDENTIAL = re.compile(r"""\b(username|password)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass
class ProducerSettings:
    """The librdkafka configuration of one producer, and what the job asked for besides."""

    config: dict[str, str] = field(default_factory=dict)
    registry_user_info: str | None = None  # basic.auth.user.info for the schema registry

    @property
    def tls(self) -> bool:
        return self.config.get("security.protocol", "plaintext").lower() in ("ssl", "sasl_ssl")


def assemble(
    bootstrap: str, username: str | None, password: str | None, extra: dict[str, Any] | None
) -> ProducerSettings:
    """Camunda's order: authentication, bootstrap servers, defaults, additional properties."""
    settings = ProducerSettings(config=dict(DEFAULTS))
    settings.config.update(authentication(username, password))
    settings.config["bootstrap.servers"] = bootstrap
    for name, value in (extra or {}).items():
        _apply(settings, str(name), value)
    return settings


def authentication(username: str | None, password: str | None) -> dict[str, str]:
    """SASL PLAIN over TLS, as Camunda sets it; both or neither (KafkaPropertiesUtil)."""
    if not (username or "").strip() and not (password or "").strip():
        return {}
    if not (username or "").strip() or not (password or "").strip():
        raise ConnectorInputError(
            "Username / password pair is required: fill in both or neither",
            field="authentication",
        )
    return {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.username": str(username),
        "sasl.password": str(password),
    }


def _apply(settings: ProducerSettings, name: str, value: Any) -> None:
    text = _text(name, value)
    if name == "sasl.jaas.config":
        # Java's login module line carries the credentials; librdkafka takes them as settings
        for key, double, single in JAAS_CREDENTIAL.findall(text):
            settings.config[f"sasl.{key}"] = double or single
        return
    if name == "basic.auth.user.info":
        settings.registry_user_info = text
        return
    if name == "ssl.endpoint.identification.algorithm" and not text:
        text = "none"  # Java turns host name checking off with an empty value
    if name in SAME:
        settings.config[name] = text
    elif name in RENAMED:
        settings.config[RENAMED[name]] = text
    elif name in UNSUPPORTED:
        raise ConnectorInputError(f"'{name}' is not supported: {UNSUPPORTED[name]}", field=FIELD)
    elif name not in IGNORED:
        raise ConnectorInputError(
            f"unknown Kafka producer property '{name}' (docs/kafka-connector.md lists the "
            "producer properties this hub accepts)",
            field=FIELD,
        )


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # FEEL numbers: 5000.0 is librdkafka's 5000
    if isinstance(value, int | float | str):
        return str(value)
    raise ConnectorInputError(f"'{name}' must be text, a number or a boolean", field=FIELD)
