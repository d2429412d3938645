"""Apache Kafka 4.x in KRaft mode (one combined broker and controller on 127.0.0.1), for the Kafka
connector's tests.

`.ci/fetch-kafka` puts the jars under .cache/kafka/<version>/libs/; `kafka()` formats a fresh log
folder, starts one JVM on free ports and stops it by PID. Two client listeners: PLAINTEXT, and
SASL_PLAINTEXT with PLAIN and SCRAM-SHA-256 for one user. Topics are not created automatically
(the unknown-topic case needs that): tests create theirs with `create_topic`. Locally a missing
download or Java skips the tests; with KAFKA_REQUIRED=1 (set by .ci/run) it fails them instead.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-kafka"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "KAFKA_VERSION")
LIBS = BASE_DIR / ".cache" / "kafka" / VERSION / "libs"
REQUIRED = "KAFKA_REQUIRED"
USER, PASSWORD = "alice", "s3cret-Kafka-Pass"
READY = "Kafka Server started"
# Without a configuration log4j2 prints errors only; warnings, and the line that says ready
LOG4J2 = """\
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d %p %c: %m%n
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = console
logger.ready.name = kafka.server.KafkaRaftServer
logger.ready.level = INFO
"""


@dataclass(frozen=True)
class Kafka:
    host: str
    port: int  # PLAINTEXT
    sasl_port: int  # SASL_PLAINTEXT: PLAIN and SCRAM-SHA-256
    user: str = USER
    password: str = PASSWORD

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"{self.host}:{self.sasl_port}"


def _properties(folder: Path, port: int, sasl_port: int, controller: int) -> str:
    plain = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{USER}" password="{PASSWORD}" user_{USER}="{PASSWORD}";'
    )
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    lines = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller}",
        "listeners": (
            f"PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:{sasl_port},"
            f"CONTROLLER://127.0.0.1:{controller}"
        ),
        "advertised.listeners": (
            f"PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:{sasl_port}"
        ),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": (
            "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT"
        ),
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": plain,
        "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config": scram,
        "log.dirs": str(folder / "logs"),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    return "".join(f"{k}={v}\n" for k, v in lines.items())


@contextlib.contextmanager
def kafka() -> Iterator[Kafka]:
    java = shutil.which("java")
    if not (LIBS / f"kafka_2.13-{VERSION}.jar").is_file() or java is None:
        fetched.missing(f"no Kafka {VERSION}: run .ci/fetch-kafka (needs mvn, java)", REQUIRED)
    with ports.on_free_ports("Kafka", 3, lambda chosen: _started(java, *chosen)) as server:
        yield server


@contextlib.contextmanager
def _started(java: str, port: int, sasl_port: int, controller: int) -> Iterator[Kafka]:
    """One try, in a fresh folder (its format names the ports)."""
    classpath = f"{LIBS}/*"
    with tempfile.TemporaryDirectory(prefix="kafka-") as tmp, tempfile.TemporaryFile() as log:
        folder = Path(tmp)
        config = folder / "server.properties"
        config.write_text(_properties(folder, port, sasl_port, controller))
        logging = folder / "log4j2.properties"
        logging.write_text(LOG4J2)
        storage = [java, "-cp", classpath, "kafka.tools.StorageTool"]
        cluster = subprocess.run(
            [*storage, "random-uuid"], capture_output=True, check=True, text=True, timeout=120
        ).stdout.strip()
        subprocess.run(
            [*storage, "format", "-t", cluster, "-c", str(config),
             "--add-scram", f"SCRAM-SHA-256=[name={USER},password={PASSWORD}]"],
            capture_output=True, check=True, timeout=120,
        )  # fmt: skip
        process = subprocess.Popen(
            [
                java,
                "-Xmx512m",
                f"-Dlog4j2.configurationFile={logging}",
                "-cp",
                classpath,
                "kafka.Kafka",
                str(config),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            output = ports.output_of(log)
            ports.wait_serving(
                "Kafka",
                process,
                [port, sasl_port, controller],
                ready=lambda: READY in output(),
                output=output,
                timeout=120,
            )
            yield Kafka("127.0.0.1", port, sasl_port)
        finally:
            ports.stop(process)
