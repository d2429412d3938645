"""A test server that loses a port between the pick and its bind starts again on new ports.

Each test takes one of the ports the next pick hands out before the server starts (a listening
socket, as another server on the machine holds its port, or one only bound, which answers
nobody), then checks that the fixture still gives a server that works, on ports of its own.
Kafka and Operaton start again through the same helper (each reproduced by hand); at about
10 s a start, the suite leaves them to the helper's own tests here.
"""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest

from tests.services import ports


@dataclass
class Taker:
    """The next `ports.free_ports` pick loses its port number INDEX to another process, which
    listens there (as another server would) or only binds it (LISTEN false: nobody answers)."""

    index: int
    listen: bool = True
    taken: list[int] = field(default_factory=list)
    held: list[socket.socket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pick = ports.free_ports

    def free_ports(self, count: int) -> list[int]:
        chosen = self.pick(count)
        if not self.taken:
            sock = socket.socket()
            sock.bind(("127.0.0.1", chosen[self.index]))
            if self.listen:
                sock.listen()
            self.held.append(sock)
            self.taken.append(chosen[self.index])
        return chosen


@pytest.fixture
def take_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[Taker]:
    """Takes port 0 of the next pick; set `.index` to take another."""
    taker = Taker(0)
    monkeypatch.setattr(ports, "free_ports", taker.free_ports)
    yield taker
    for sock in taker.held:
        sock.close()


# --- the helper itself, on a tiny server of Python's own ---------------------------------


@contextlib.contextmanager
def _http_server(chosen: list[int]) -> Iterator[int]:
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(chosen[0])]
    with (
        tempfile.TemporaryFile() as log,
        subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT) as process,
    ):
        try:
            ports.wait_serving(
                "http.server",
                process,
                chosen,
                ready=lambda: True,
                output=ports.output_of(log),
                timeout=20,
            )
            yield chosen[0]
        finally:
            process.terminate()
            process.wait(10)


@pytest.mark.parametrize("listen", [True, False], ids=["listened-on", "bound"])
def test_a_server_that_lost_its_port_starts_again_on_another(
    take_port: Taker, listen: bool
) -> None:
    take_port.listen = listen
    with ports.on_free_ports("http.server", 1, _http_server) as port:
        assert take_port.taken and port != take_port.taken[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
            assert answer.status == 200


def test_a_server_that_keeps_losing_its_ports_fails_naming_them() -> None:
    tried: list[list[int]] = []

    def start(chosen: list[int]) -> contextlib.AbstractContextManager[None]:
        tried.append(chosen)
        raise ports.PortLost(f"Thing: another process took port {chosen[1]}")

    with pytest.raises(RuntimeError) as failure, ports.on_free_ports("Thing", 2, start):
        pass
    assert len(tried) == ports.ATTEMPTS
    message = str(failure.value)
    assert message.startswith("Thing did not start")
    assert all(str(chosen[1]) in message for chosen in tried)


# --- GreenMail: SMTP, SMTPS, IMAP, POP3 and its API ------------------------------------


@pytest.mark.xdist_group("greenmail")
@pytest.mark.parametrize(("index", "listen"), [(2, True)], ids=["imap-listened-on"])
def test_greenmail_starts_again_without_a_taken_port(
    take_port: Taker, index: int, listen: bool
) -> None:
    from tests.services.greenmail import greenmail

    take_port.index, take_port.listen = index, listen
    with greenmail() as mail:
        assert take_port.taken[0] not in (mail.smtp, mail.smtps, mail.imap, mail.pop3)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = mail.address, mail.address, "hi"
        message.set_content("after a lost port")
        with smtplib.SMTP(mail.host, mail.smtp, timeout=10) as smtp:
            smtp.send_message(message)
        pop3 = poplib.POP3(mail.host, mail.pop3, timeout=10)
        try:
            pop3.user(mail.user)
            pop3.pass_(mail.password)
            assert pop3.stat()[0] == 1
        finally:
            pop3.quit()
        with imaplib.IMAP4(mail.host, mail.imap, timeout=10) as imap:
            imap.login(mail.user, mail.password)


# --- the servers of one port ------------------------------------------------------------


@pytest.mark.xdist_group("azurite")
def test_azurite_starts_again_on_another_port(take_port: Taker) -> None:
    from tests.services.azurite import azurite_server

    with azurite_server() as azurite:
        assert f":{take_port.taken[0]}/" not in azurite.endpoint
        azurite.create_container("after-a-lost-port")
        assert azurite.containers() == ["after-a-lost-port"]


@pytest.mark.xdist_group("fake-gcs")
def test_fake_gcs_starts_again_on_another_port(take_port: Taker) -> None:
    from tests.services.fake_gcs import fake_gcs_server

    with fake_gcs_server() as gcs:
        assert not gcs.endpoint.endswith(f":{take_port.taken[0]}")
        gcs.create_bucket("after-a-lost-port")
        assert gcs.buckets() == ["after-a-lost-port"]


@pytest.mark.xdist_group("moto")
def test_moto_starts_again_on_another_port(take_port: Taker) -> None:
    import boto3

    from tests.services.moto import moto_server

    with moto_server() as moto:
        assert not moto.endpoint.endswith(f":{take_port.taken[0]}")
        sqs = boto3.client(
            "sqs",
            endpoint_url=moto.endpoint,
            region_name=moto.region,
            aws_access_key_id=moto.access_key,
            aws_secret_access_key=moto.secret_key,
        )
        sqs.create_queue(QueueName="after-a-lost-port")
        assert [url.rsplit("/", 1)[1] for url in sqs.list_queues()["QueueUrls"]] == [
            "after-a-lost-port"
        ]


@pytest.mark.xdist_group("kafka")
def test_apicurio_starts_again_on_another_port(take_port: Taker) -> None:
    import httpx

    from tests.services.apicurio import apicurio

    with apicurio() as registry:
        assert f":{take_port.taken[0]}/" not in registry.url
        assert httpx.get(f"{registry.url}/subjects").json() == []


@pytest.mark.xdist_group("sql_servers")
def test_postgresql_starts_again_on_another_port(take_port: Taker) -> None:
    import psycopg

    from tests.services.sql_servers import postgresql

    with postgresql() as server:
        assert server.port != take_port.taken[0]
        with psycopg.connect(
            host="127.0.0.1", port=server.port, user=server.user, password=server.password,
            dbname=server.database,
        ) as connection:  # fmt: skip
            assert connection.execute("select current_user").fetchone() == (server.user,)


@pytest.mark.xdist_group("sql_servers")
def test_mariadb_starts_again_on_another_port(take_port: Taker) -> None:
    import pymysql

    from tests.services.sql_servers import mariadb

    with mariadb() as server:
        assert server.port != take_port.taken[0]
        connection = pymysql.connect(
            host="127.0.0.1", port=server.port, user=server.user, password=server.password,
            database=server.database,
        )  # fmt: skip
        with connection, connection.cursor() as cursor:
            cursor.execute("select current_user()")
            assert cursor.fetchone() == (f"{server.user}@%",)


# --- RabbitMQ: AMQP, amqps, Erlang distribution, and its own epmd -----------------------


@pytest.mark.xdist_group("rabbitmq")
@pytest.mark.parametrize("index", [0, 1], ids=["amqp", "amqps"])
def test_rabbitmq_starts_again_without_a_taken_port(take_port: Taker, index: int) -> None:
    from tests.services.rabbitmq import rabbitmq

    take_port.index = index
    with rabbitmq() as broker:
        assert take_port.taken[0] not in (broker.port, broker.tls_port)
        with broker.channel() as channel:
            assert channel.is_open
        tls = ssl.create_default_context(cafile=broker.ca_file)
        with (
            socket.create_connection((broker.host, broker.tls_port), timeout=10) as raw,
            tls.wrap_socket(raw, server_hostname=broker.host) as wrapped,
        ):
            wrapped.sendall(b"AMQP\x00\x00\x09\x01")  # the protocol header: the broker's turn
            assert wrapped.recv(7)[:1] == b"\x01"  # a method frame: Connection.Start
