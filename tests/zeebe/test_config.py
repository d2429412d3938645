"""Configuring the live worker: connection modes, and bad input named before anything starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from connectors.zeebe import GatewayConfig, WorkerConfig, parse_fetch_variables
from tests.services.zeebe import BASE_DIR


def test_the_connection_mode_follows_the_settings_given() -> None:
    assert GatewayConfig(address="zeebe:26500").mode == "plaintext"
    assert GatewayConfig(address="zeebe:443", tls=True).mode == "tls"
    oauth = GatewayConfig(address="zeebe:443", client_id="c", client_secret="s")
    assert oauth.mode == "oauth"
    saas = GatewayConfig(client_id="c", client_secret="s", cluster_id="abc", region="syd-1")
    assert saas.mode == "saas"
    assert saas.display_address == "abc.syd-1.zeebe.camunda.io:443"


def test_a_worker_built_in_code_polls_at_the_documented_default(settings: object) -> None:
    # The benches and embedders build WorkerConfig directly; they get the interval the
    # command uses (README: ZEEBE_WORKER_POLL_INTERVAL), not a slower one of their own.
    assert WorkerConfig().poll_interval == settings.ZEEBE_WORKER_POLL_INTERVAL == 0.02  # type: ignore[attr-defined]


def test_incomplete_connection_settings_are_named(tmp_path: Path) -> None:
    assert GatewayConfig(address="zeebe:26500").problems() == []
    assert "must be host:port" in GatewayConfig(address="zeebe").problems()[0]
    oauth = GatewayConfig(address="zeebe:443", client_id="c").problems()
    assert any("ZEEBE_CLIENT_SECRET" in p for p in oauth)
    assert any("ZEEBE_AUTHORIZATION_SERVER_URL" in p for p in oauth)
    missing_ca = GatewayConfig(address="z:1", tls=True, ca_certificate=str(tmp_path / "ca.pem"))
    assert "ZEEBE_CA_CERTIFICATE_PATH" in missing_ca.problems()[0]
    saas = GatewayConfig(client_id="c", client_secret="s", cluster_id="abc")
    assert saas.problems() == []  # SaaS has a default token endpoint


def test_a_secret_never_shows_in_the_configuration_repr() -> None:
    config = GatewayConfig(address="z:1", client_id="c", client_secret="very-secret")
    assert "very-secret" not in repr(config)


def test_fetch_variables_entries_are_parsed_or_refused_by_entry() -> None:
    assert parse_fetch_variables(["a:1=x, y", "b:1=*"]) == {"a:1": ["x", "y"], "b:1": []}
    with pytest.raises(ValueError, match="'a:1=': no variable names"):
        parse_fetch_variables(["a:1="])


def test_the_command_refuses_an_unknown_job_type_with_the_known_ones() -> None:
    with pytest.raises(CommandError, match=r"acme:nope:1 \(known: .*io.camunda:http-json:1"):
        call_command("zeebe_worker", "--job-type", "acme:nope:1", "--address", "127.0.0.1:1")


def test_the_standalone_worker_refuses_bad_options_before_connecting() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "connectors.zeebe", "--job-type", "acme:nope:1"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no connector is registered for job type(s) acme:nope:1" in done.stderr
