"""The network door in the runtime, without Celery: the per-secret host rules and the address
policy apply to a TCP connector as to REST, the connection goes to the vetted address (never a
second DNS answer), TLS checks the host name, and each exchange is recorded, failed or not."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from connectorhub_sdk import ConnectorContext, EgressDenied

from connectors.network.policy import EgressPolicy, forget_answers
from connectors.registry import Registry
from connectors.runtime import Completed, Failed, JobRequest, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.network.conftest import BANNER, BannerServer
from tests.runs.conftest import wait_for
from tests.services.http_servers import make_pki

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
SECRETS = {"TOKEN": "s3cr3t-t0ken"}


@pytest.fixture(autouse=True)
def _fresh_answers() -> Iterator[None]:
    forget_answers()
    yield
    forget_answers()


class HostListProvider(MappingSecretProvider):
    """Secrets that also know where each may be sent (the hub's store does the same)."""

    def __init__(self, hosts: dict[str, list[str]]) -> None:
        super().__init__(SECRETS)
        self.hosts = hosts

    def allowed_hosts(self, name: str) -> list[str]:
        return self.hosts.get(name, [])


def counting(answers: dict[str, list[str]]) -> tuple[Callable[[str, int], list[str]], list[str]]:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[host]

    return resolver, asked


def banner_job(host: str, port: int, token: str = "", kind: str = "tcp-banner") -> JobRequest:
    return JobRequest(f"test:{kind}:1", {"host": host, "port": port, "token": token})


def test_a_secret_may_not_be_sent_to_a_host_its_rule_forbids(
    banner_server: BannerServer, network_registry: Registry
) -> None:
    job = banner_job("127.0.0.1", banner_server.port, "{{secrets.TOKEN}}")
    provider = HostListProvider({"TOKEN": ["mail.example.com"]})
    outcome = run_job(job, secrets=provider, registry=network_registry)
    assert isinstance(outcome, Failed)
    assert outcome.retries == 0
    assert outcome.message.startswith(
        f"Secret 'TOKEN' may not be sent to 127.0.0.1:{banner_server.port}"
    )
    assert banner_server.connections == 0


def test_a_secret_goes_where_its_rule_allows_and_is_masked_in_the_exchange(
    banner_server: BannerServer, network_registry: Registry
) -> None:
    job = banner_job("127.0.0.1", banner_server.port, "{{secrets.TOKEN}}")
    provider = HostListProvider({"TOKEN": ["127.0.0.1"]})
    outcome = run_job(job, secrets=provider, registry=network_registry)
    assert isinstance(outcome, Completed), outcome
    assert outcome.trace.response == {"banner": BANNER}
    assert wait_for(lambda: banner_server.received, timeout=5) == ["AUTH s3cr3t-t0ken\n"]
    [exchange] = outcome.trace.exchanges
    assert exchange["request_body"] == "AUTH ***"
    assert exchange["summary"] == "read the banner"


@pytest.mark.parametrize("kind", ["tcp-banner", "tcp-banner-async"])
def test_sync_and_async_connections_to_loopback_get_the_policys_refusal(
    banner_server: BannerServer, network_registry: Registry, kind: str
) -> None:
    job = banner_job("127.0.0.1", banner_server.port, kind=kind)
    outcome = run_job(
        job, secrets=MappingSecretProvider({}), registry=network_registry,
        address_policy=EgressPolicy(),
    )  # fmt: skip
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(
        "The egress policy refused 127.0.0.1: 127.0.0.1 is a loopback address (rule 'loopback')"
    )
    assert outcome.retries == 0
    assert banner_server.connections == 0
    [exchange] = outcome.trace.exchanges
    assert exchange["status"] is None and "rule 'loopback'" in exchange["error"]


@pytest.mark.parametrize("kind", ["tcp-banner", "tcp-banner-async"])
def test_the_connection_goes_to_the_vetted_address_not_to_a_second_answer(
    banner_server: BannerServer, network_registry: Registry, kind: str
) -> None:
    """`banner.test` has no address in the system's DNS: the connection can only succeed if it
    goes to the address the policy resolved and checked, asked once."""
    resolver, asked = counting({"banner.test": ["127.0.0.1"]})
    policy = EgressPolicy(allow_networks=LOOPBACK, resolver=resolver)
    outcome = run_job(
        banner_job("banner.test", banner_server.port, kind=kind),
        secrets=MappingSecretProvider({}), registry=network_registry, address_policy=policy,
    )  # fmt: skip
    assert isinstance(outcome, Completed), outcome
    assert outcome.trace.response == {"banner": BANNER}
    assert asked == ["banner.test"]


def test_a_name_whose_answer_mixes_blocked_and_allowed_addresses_uses_only_the_allowed(
    banner_server: BannerServer,
) -> None:
    resolver, _ = counting({"mixed.test": ["10.0.0.5", "127.0.0.1"]})
    policy = EgressPolicy(allow_networks=LOOPBACK, resolver=resolver)
    context = ConnectorContext(job_type="t", address_policy=policy)
    assert context.network.resolve("mixed.test", banner_server.port) == ["127.0.0.1"]
    with pytest.raises(EgressDenied, match="rule 'private'"):
        ConnectorContext(job_type="t", address_policy=EgressPolicy()).network.resolve(
            "10.0.0.5", 25
        )


def test_an_exchange_that_fails_to_connect_is_recorded_with_its_error(
    network_registry: Registry,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    outcome = run_job(
        banner_job("127.0.0.1", port), secrets=MappingSecretProvider({}),
        registry=network_registry,
    )  # fmt: skip
    assert isinstance(outcome, Failed)
    [exchange] = outcome.trace.exchanges
    assert (exchange["protocol"], exchange["target"]) == ("tcp", f"127.0.0.1:{port}")
    assert exchange["status"] is None
    assert "refused" in exchange["error"].lower()
    assert exchange["duration_ms"] >= 0


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """A TLS banner server whose certificate names localhost; it notes the SNI it is sent."""
    pki = make_pki(tmp_path)
    context = pki.server_context(require_client_cert=False)
    names: list[str] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name or "")  # type: ignore[func-returns-value]
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as secured:
                    secured.sendall(f"{BANNER}\r\n".encode())
            except (OSError, ssl.SSLError):
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], pki.ca_pem, names
    listener.close()


def test_tls_goes_to_the_vetted_address_and_verifies_the_host_name(
    tls_server: tuple[int, str, list[str]],
) -> None:
    port, ca_pem, names = tls_server
    resolver, _ = counting({"localhost": ["127.0.0.1"]})
    policy = EgressPolicy(allow_networks=LOOPBACK, resolver=resolver)
    network = ConnectorContext(job_type="t", address_policy=policy).network
    trust = ssl.create_default_context(cadata=ca_pem)
    with network.connect("localhost", port, tls=trust, timeout=5) as sock:
        assert sock.makefile("r").readline().strip() == BANNER
    assert names == ["localhost"]  # SNI and verification use the name, not the address


def test_the_connect_timeout_is_capped_by_the_runs_time_limit() -> None:
    now = [100.0]
    context = ConnectorContext(job_type="t", deadline=101.5, clock=lambda: now[0])
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sock = context.network.connect("127.0.0.1", listener.getsockname()[1], timeout=30)
        with sock:
            assert sock.gettimeout() == pytest.approx(1.5)
