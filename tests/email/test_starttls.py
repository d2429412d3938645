"""`TLS` in Camunda's template is STARTTLS when the server offers it (GreenMail's SMTP does not):
a minimal SMTP server with STARTTLS and a certificate from a test CA shows the upgrade and the
certificate check."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builtin.conftest import result_of, run_template
from tests.email.conftest import SECRET, email_template
from tests.services.http_servers import Pki, make_pki

V8 = email_template(8)


class StartTlsServer:
    """Offers STARTTLS, then accepts one message; remembers whether it arrived over TLS."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.data_over_tls: bool | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
            with conn:
                self._converse(conn)
        except OSError:  # closed, or the client refused our certificate
            return

    def _converse(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        stream, tls = conn, False
        stream.sendall(b"220 starttls.test ready\r\n")
        reader = stream.makefile("rb")
        while line := reader.readline():
            verb = line.strip().split(b" ")[0].upper()
            if verb == b"EHLO":
                offer = b"" if tls else b"250-STARTTLS\r\n"
                stream.sendall(b"250-starttls.test\r\n" + offer + b"250 8BITMIME\r\n")
            elif verb == b"STARTTLS":
                stream.sendall(b"220 go ahead\r\n")
                stream = self.context.wrap_socket(conn, server_side=True)
                reader, tls = stream.makefile("rb"), True
            elif verb == b"DATA":
                stream.sendall(b"354 go on\r\n")
                while reader.readline() not in (b".\r\n", b""):
                    pass
                self.data_over_tls = tls
                stream.sendall(b"250 queued\r\n")
            elif verb == b"QUIT":
                stream.sendall(b"221 bye\r\n")
                break
            else:
                stream.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("mail-pki")))


@pytest.fixture
def starttls_server(pki: Pki) -> Iterator[StartTlsServer]:
    server = StartTlsServer(pki.server_context(require_client_cert=False))
    yield server
    server.close()


def send(server: StartTlsServer, host: str = "localhost"):
    values = {
        "protocol": "smtp",
        "data.smtpActionDiscriminator": "sendEmailSmtp",
        "data.smtpConfig.smtpHost": host,
        "data.smtpConfig.smtpPort": server.port,
        "data.smtpConfig.smtpCryptographicProtocol": "TLS",
        "authentication.type": "noAuth",
        "data.smtpAction.from": "ada@example.com",
        "data.smtpAction.to": "bob@example.org",
        "data.smtpAction.subject": "Over TLS",
        "data.smtpAction.body": "secret plans",
        "resultVariable": "result",
    }
    return run_template(V8, values, secrets={SECRET: "unused"})


def test_starttls_is_used_when_offered(starttls_server, pki, tmp_path, monkeypatch):
    ca = tmp_path / "ca.pem"
    ca.write_text(pki.ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the system trust store, for this test
    outcome = send(starttls_server)
    assert result_of(outcome)["sent"] is True
    assert starttls_server.data_over_tls is True
    assert "STARTTLS: 220 go ahead" in outcome.trace.exchanges[0]["response_body"]


def test_an_untrusted_certificate_stops_the_send(starttls_server):
    outcome = send(starttls_server)
    assert outcome.kind == "failed"
    assert outcome.message.startswith(
        "jakarta.mail.MessagingException: Could not convert socket to TLS"
    )
    assert starttls_server.data_over_tls is None  # nothing was sent
