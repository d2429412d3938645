"""A private RabbitMQ broker (Debian's `rabbitmq-server`) for the RabbitMQ connector's tests.

One broker per test session, loopback only, in a temporary folder: its own epmd on a free port
(else Erlang daemonises one that outlives the broker), its own HOME (the Erlang cookie), node
name and distribution port. Users, virtual hosts and permissions come from a definitions file
read at boot, so no `rabbitmqctl` call (a second Erlang VM, seconds each) is needed to set up.
`reset()` deletes what a test declared. Stopped by PID (SIGTERM, as the start script's own
stop does), epmd after it. `.ci/install-debian-packages` installs the package; locally a
missing broker skips its tests, with RABBITMQ_REQUIRED=1 (set by .ci/run) it fails them.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pika
from pika.adapters.utils.connection_workflow import AMQPConnectorException

from tests.services import ports
from tests.services.fetched import missing
from tests.services.http_servers import make_pki

REQUIRED = "RABBITMQ_REQUIRED"
SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
HOW_TO_GET = "run .ci/install-debian-packages (Debian: rabbitmq-server)"
USER, PASSWORD = "hub", "s3cret-Rabbit-Pw"
VHOST = "orders"  # a second virtual host besides "/", where the user may also publish
MAX_MESSAGE_SIZE = 1_048_576  # bytes; small, so the "message too large" case is cheap


@dataclass
class RabbitMQ:
    host: str
    port: int
    tls_port: int  # amqps, with a certificate for 127.0.0.1 and localhost signed by ca_file
    ca_file: Path
    user: str = USER
    password: str = PASSWORD
    vhost: str = VHOST
    declared: list[tuple[str, str, str]] = field(default_factory=list)  # (vhost, kind, name)

    def uri(self, vhost: str | None = None, password: str | None = None) -> str:
        path = "" if vhost is None else "/" + vhost.replace("/", "%2F")
        return f"amqp://{self.user}:{password or self.password}@{self.host}:{self.port}{path}"

    @contextlib.contextmanager
    def channel(
        self, vhost: str = VHOST
    ) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
        params = pika.ConnectionParameters(
            self.host, self.port, vhost, pika.PlainCredentials(self.user, self.password)
        )
        connection = pika.BlockingConnection(params)
        try:
            yield connection.channel()
        finally:
            connection.close()

    def queue_bound(
        self, exchange: str, routing_key: str, *, kind: str = "direct", vhost: str = VHOST
    ) -> str:
        """A new exchange of KIND and a queue bound to it by ROUTING_KEY; the queue's name."""
        queue = f"q-{os.urandom(4).hex()}"
        with self.channel(vhost) as ch:
            ch.exchange_declare(exchange, kind)
            ch.queue_declare(queue)
            ch.queue_bind(queue, exchange, routing_key)
        self.declared += [(vhost, "exchange", exchange), (vhost, "queue", queue)]
        return queue

    def take(
        self, queue: str, vhost: str = VHOST
    ) -> tuple[pika.spec.Basic.GetOk, pika.BasicProperties, bytes] | None:
        """The next message in QUEUE (acknowledged), or None when it is empty."""
        with self.channel(vhost) as ch:
            method, properties, body = ch.basic_get(queue, auto_ack=True)
        return None if method is None else (method, properties, body)

    def reset(self) -> None:
        """Delete the exchanges and queues the tests declared."""
        for vhost, kind, name in reversed(self.declared):
            with self.channel(vhost) as ch:
                if kind == "queue":
                    ch.queue_delete(name)
                else:
                    ch.exchange_delete(name)
        self.declared.clear()


def _password_hash(password: str) -> str:
    """rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _definitions() -> dict[str, object]:
    everything = {"configure": ".*", "write": ".*", "read": ".*"}
    return {
        "users": [
            {
                "name": USER,
                "password_hash": _password_hash(PASSWORD),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ["administrator"],
            }
        ],
        "vhosts": [{"name": "/"}, {"name": VHOST}],
        "permissions": [{"user": USER, "vhost": v, **everything} for v in ("/", VHOST)],
    }


def _config(folder: Path, amqp: int, amqps: int, dist: int) -> str:
    pki = folder / "pki"
    return "\n".join(
        [
            f"listeners.tcp.1 = 127.0.0.1:{amqp}",
            f"listeners.ssl.1 = 127.0.0.1:{amqps}",
            f"ssl_options.cacertfile = {pki / 'ca.pem'}",
            f"ssl_options.certfile = {pki / 'server.pem'}",
            f"ssl_options.keyfile = {pki / 'server.key'}",
            "ssl_options.verify = verify_none",
            "ssl_options.fail_if_no_peer_cert = false",
            "distribution.listener.interface = 127.0.0.1",
            f"distribution.listener.port_range.min = {dist}",
            f"distribution.listener.port_range.max = {dist}",
            "log.console = true",
            "log.file = false",
            f"load_definitions = {folder / 'definitions.json'}",
            f"max_message_size = {MAX_MESSAGE_SIZE}",
            "",
        ]
    )


def _logs_in(port: int) -> bool:
    """Listening is not serving: ready once the test user can log in."""
    params = pika.ConnectionParameters(
        "127.0.0.1", port, VHOST, pika.PlainCredentials(USER, PASSWORD), connection_attempts=1
    )
    try:
        pika.BlockingConnection(params).close()
    except (pika.exceptions.AMQPError, AMQPConnectorException):  # the latter: a stalled handshake
        return False
    return True


@contextlib.contextmanager
def rabbitmq() -> Iterator[RabbitMQ]:
    epmd_bin = shutil.which("epmd")
    if not SERVER.is_file() or epmd_bin is None:
        missing(f"no RabbitMQ server: {HOW_TO_GET}", REQUIRED)
    folder = Path(tempfile.mkdtemp(prefix="hub-rabbitmq-"))
    ca_file = folder / "pki" / "ca.pem"
    ca_file.parent.mkdir()
    ca_file.write_text(make_pki(ca_file.parent).ca_pem)
    (folder / "definitions.json").write_text(json.dumps(_definitions()))
    (folder / "enabled_plugins").write_text("[].")
    try:
        start = functools.partial(_started, folder, epmd_bin)
        with ports.on_free_ports("RabbitMQ", 4, start) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _started(folder: Path, epmd_bin: str, chosen: list[int]) -> Iterator[RabbitMQ]:
    """epmd, then the broker, on the ports CHOSEN. Each of the four may be taken meanwhile:
    epmd then exits, the broker exits without its distribution or AMQP port, and without its
    amqps port it serves AMQP only (reproduced for each by binding the port)."""
    amqp, amqps, dist, epmd_port = chosen
    shutil.rmtree(folder / "mnesia", ignore_errors=True)  # a fresh node, not the last try's
    (folder / "rabbitmq.conf").write_text(_config(folder, amqp, amqps, dist))
    env = {
        **os.environ,
        "HOME": str(folder),  # the Erlang cookie
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "ERL_EPMD_PORT": str(epmd_port),
        "RABBITMQ_NODENAME": f"hub{amqp}@localhost",
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_PID_FILE": str(folder / "rabbitmq.pid"),
    }
    started: list[subprocess.Popen[bytes]] = []  # epmd, then the broker
    try:
        epmd = subprocess.Popen(
            [epmd_bin, "-address", "127.0.0.1", "-port", str(epmd_port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(epmd)
        # listening first, else the node may start without distribution
        ports.wait_serving(
            "RabbitMQ's epmd", epmd, [epmd_port], ready=lambda: True, output=lambda: "", timeout=30
        )
        log = folder / "server.log"
        with log.open("wb") as out:
            started.append(
                subprocess.Popen(
                    [str(SERVER)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder
                )
            )
        ports.wait_serving(
            "RabbitMQ",
            started[-1],
            [amqp, amqps, dist],
            ready=lambda: _logs_in(amqp),
            output=lambda: log.read_text(errors="replace"),
            timeout=120,
        )
        yield RabbitMQ("127.0.0.1", amqp, amqps, folder / "pki" / "ca.pem")
    finally:
        _stop_all(started)


def _stop_all(started: list[subprocess.Popen[bytes]]) -> None:
    """The broker first, then its epmd."""
    while started:
        ports.stop(started.pop(), 30)
