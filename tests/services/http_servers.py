"""Real HTTP services on 127.0.0.1 for the HTTP connector tests and benchmarks.

- `RecordingServer`: records every request (method, path, query, headers with their case, body)
  and answers with a programmable `Reply` per path: any status, headers, body, a delay before
  answering, a redirect, invalid JSON, a large body. Unknown paths echo the request as JSON.
- `oauth_token_endpoint(server)`: a token endpoint at /oauth/token that counts token requests
  and hands out `token-<n>` with `expires_in`.
- `graphql_endpoint(server)`: a small GraphQL endpoint at /graphql (GET and POST).
- `soap_endpoint(server)`: a SOAP 1.1/1.2 service at /soap (echo, fault); given a trusted
  certificate, one that requires WS-Security signatures (tests/services/wssecurity_check.py).
- `make_pki(folder)`: a CA, a server certificate for 127.0.0.1/localhost and a client
  certificate, made with `cryptography`, for an HTTPS server that requires client certificates.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from tests.services.wssecurity_check import signature_problem


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    client_cert: dict[str, Any] | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode(), keep_blank_values=True)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": {k: v for k, v in self.headers},
            "body": self.body.decode("utf-8", errors="replace"),
        }


@dataclass
class Reply:
    """What the server answers; `body` may be bytes, text or a JSON value (`json`)."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | str = b""
    json: Any = None
    delay: float = 0.0
    reason: str | None = None

    def payload(self) -> tuple[bytes, list[tuple[str, str]]]:
        headers = list(self.headers)
        if self.json is not None:
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", "application/json"))
            return json.dumps(self.json).encode(), headers
        body = self.body.encode() if isinstance(self.body, str) else self.body
        return body, headers


Route = Reply | Callable[[Recorded], Reply]


class RecordingServer:
    """A threaded HTTP/1.1 server (keep-alive) on 127.0.0.1; HTTPS when given an SSL context."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Recorded] = []
        self.routes: dict[str, Route] = {}
        self.fallback: Route | None = None  # for unknown paths instead of the echo
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.scheme = "http"
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        # a short poll interval: shutdown() waits for it, and tests start many servers
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def route(self, path: str, reply: Route) -> None:
        self.routes[path] = reply

    def last(self, path: str | None = None) -> Recorded:
        matching = [r for r in self.requests if path is None or r.path == path]
        assert matching, (
            f"no request to {path or 'any path'}; got {[r.path for r in self.requests]}"
        )
        return matching[-1]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def start(self) -> RecordingServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        cert = None
        if isinstance(handler.connection, ssl.SSLSocket):
            cert = handler.connection.getpeercert() or None
        recorded = Recorded(
            method=handler.command,
            path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            raw_query=parts.query,
            headers=list(handler.headers.items()),
            body=body,
            client_cert=cert,
        )
        with self._lock:
            self.requests.append(recorded)
        route = self.routes.get(parts.path, self.fallback)
        if route is None:
            reply = Reply(json=recorded.as_json())
        elif callable(route):
            reply = route(recorded)
        else:
            reply = route
        if reply.delay:
            time.sleep(reply.delay)
        payload, headers = reply.payload()
        try:
            handler.send_response(reply.status, reply.reason)
            for key, value in headers:
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in separate writes: without this, Nagle's algorithm and
            # the client's delayed ACK hold every keep-alive response back by ~40 ms
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

        return Handler


# --------------------------------------------------------------------------------------------
# OAuth, GraphQL, SOAP
# --------------------------------------------------------------------------------------------


def oauth_token_endpoint(
    server: RecordingServer, *, path: str = "/oauth/token", expires_in: int | None = 3600
) -> Callable[[], int]:
    """Serve tokens `token-<n>` at PATH; returns a function counting the token requests."""
    issued = {"n": 0}

    def token(request: Recorded) -> Reply:
        form = dict(request.form())
        if form.get("refresh_token") == "expired":
            return Reply(status=400, json={"error": "invalid_grant"})
        if form.get("grant_type") not in ("client_credentials", "refresh_token"):
            return Reply(status=400, json={"error": "unsupported_grant_type"})
        issued["n"] += 1
        answer: dict[str, Any] = {"access_token": f"token-{issued['n']}", "token_type": "Bearer"}
        if expires_in is not None:
            answer["expires_in"] = expires_in
        return Reply(json=answer)

    server.route(path, token)
    return lambda: server.count(path)


def graphql_endpoint(server: RecordingServer, *, path: str = "/graphql") -> None:
    """`{ hello }` answers `{data: {hello: "world"}}`, `{ echo }` echoes the variables, a
    query containing `fail` answers GraphQL errors (status 200)."""

    def graphql(request: Recorded) -> Reply:
        if request.method == "GET":
            params = dict(request.query)
            query = params.get("query", "")
            variables = json.loads(params["variables"]) if params.get("variables") else None
        else:
            payload = request.json()
            query, variables = payload.get("query", ""), payload.get("variables")
        if "fail" in query:
            return Reply(json={"errors": [{"message": "Cannot query field 'fail'"}], "data": None})
        data: dict[str, Any] = {}
        if "hello" in query:
            data["hello"] = "world"
        if "echo" in query:
            data["echo"] = {"query": query, "variables": variables}
        return Reply(json={"data": data})

    server.route(path, graphql)


SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def soap_endpoint(
    server: RecordingServer,
    *,
    path: str = "/soap",
    trusted_signer: bytes | None = None,
    signed_parts: Sequence[str] = ("Body",),
) -> None:
    """Answers `<AddResponse><Result>a+b</Result></AddResponse>` for an `Add` body with
    `a` and `b`, a SOAP Fault for a `Fail` body, and echoes other bodies' element names.

    With TRUSTED_SIGNER (a PEM certificate) it is a service that requires WS-Security
    signatures by that certificate over SIGNED_PARTS, and answers a Fault saying why not."""

    def soap(request: Recorded) -> Reply:
        envelope = ElementTree.fromstring(request.body)
        ns = envelope.tag[1:].split("}")[0]
        body = envelope.find(f"{{{ns}}}Body")
        assert body is not None
        operation = body[0] if len(body) else None
        local = operation.tag.split("}")[-1] if operation is not None else ""
        if trusted_signer is not None:
            problem = signature_problem(request.body, trusted_signer, signed_parts)
            if problem:
                return _soap_fault(ns, f"Security check failed: {problem}")
        if local == "Fail":
            return _soap_fault(ns, "Computer says no")
        content_type = "text/xml; charset=utf-8" if ns == SOAP11 else "application/soap+xml"
        if local == "Add" and operation is not None:
            values = {child.tag.split("}")[-1]: int(child.text or 0) for child in operation}
            inner = (
                f"<m:AddResponse><m:Result>{values['a'] + values['b']}</m:Result></m:AddResponse>"
            )
        else:
            names = "".join(f"<m:Name>{c.tag.split('}')[-1]}</m:Name>" for c in (operation or []))
            inner = (
                f'<m:EchoResponse kind="echo"><m:Operation>{local}</m:Operation>{names}'
                "</m:EchoResponse>"
            )
        text = (
            f'<soap:Envelope xmlns:soap="{ns}" xmlns:m="urn:calc"><soap:Header/>'
            f"<soap:Body>{inner}</soap:Body></soap:Envelope>"
        )
        return Reply(headers=[("Content-Type", content_type)], body=text)

    server.route(path, soap)


def _soap_fault(ns: str, reason: str) -> Reply:
    fault = (
        f"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>{escape(reason)}"
        "</faultstring></soap:Fault>"
        if ns == SOAP11
        else "<soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code>"
        f"<soap:Reason><soap:Text xml:lang='en'>{escape(reason)}</soap:Text>"
        "</soap:Reason></soap:Fault>"
    )
    text = f'<soap:Envelope xmlns:soap="{ns}"><soap:Body>{fault}</soap:Body></soap:Envelope>'
    content_type = "text/xml; charset=utf-8" if ns == SOAP11 else "application/soap+xml"
    return Reply(status=500, headers=[("Content-Type", content_type)], body=text)


# --------------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    server_cert: Path
    server_key: Path
    client_cert_pem: str
    client_key_pem: str
    client_key_encrypted_pem: str
    key_password: str = "open-sesame"

    def server_context(self, *, require_client_cert: bool = True) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_cert, self.server_key)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=self.ca_pem)
        return context


def make_pki(folder: Path) -> Pki:
    """A CA, a server certificate (127.0.0.1, localhost) and a client certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def pem_key(key: ec.EllipticCurvePrivateKey, password: str | None = None) -> str:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password.encode())
            if password
            else serialization.NoEncryption()
        )
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ).decode()

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("ConnectorHub test CA"))
        .issuer_name(name("ConnectorHub test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip

    def leaf(common: str, usage: Any, sans: list[x509.GeneralName] | None) -> tuple[Any, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(ca_key, hashes.SHA256()), key

    server, server_key = leaf(
        "127.0.0.1",
        ExtendedKeyUsageOID.SERVER_AUTH,
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
    )
    client, client_key = leaf("connectorhub-client", ExtendedKeyUsageOID.CLIENT_AUTH, None)
    folder.mkdir(parents=True, exist_ok=True)
    server_cert_path = folder / "server.pem"
    server_key_path = folder / "server.key"
    server_cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    server_key_path.write_text(pem_key(server_key))
    return Pki(
        ca_pem=ca.public_bytes(serialization.Encoding.PEM).decode(),
        server_cert=server_cert_path,
        server_key=server_key_path,
        client_cert_pem=client.public_bytes(serialization.Encoding.PEM).decode(),
        client_key_pem=pem_key(client_key),
        client_key_encrypted_pem=pem_key(client_key, "open-sesame"),
    )
