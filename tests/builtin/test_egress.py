"""The egress policy: which addresses a dry-run may reach, checked on every hop, connecting
only to the addresses it checked; and how the adapters get it."""

from __future__ import annotations

import ipaddress

import pytest
from connectorhub_sdk import EgressDenied

from connectors.network.allowlist import policy_from_settings
from connectors.network.policy import EgressPolicy, blocked_rule
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Reply

V18 = template(REST_FILE, REST_ID, 18)


@pytest.mark.parametrize(
    ("address", "rule"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd12::1", "private"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "cloud-metadata"),
        ("fd00:ec2::254", "cloud-metadata"),
        ("100.100.100.200", "cloud-metadata"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("224.0.0.1", "multicast"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
        # IPv6 forms that carry an IPv4 address are judged by the address they carry.
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "cloud-metadata"),  # 6to4 of 169.254.169.254
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("2002:808:808::1", None),  # 6to4 of 8.8.8.8
        ("2001:0:5ef5:79fb:0:0:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo, client 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "cloud-metadata"),  # NAT64 of 169.254.169.254
        ("fec0::1", "site-local"),  # deprecated, but routed like a private range where used
        ("feff:ffff::1", "site-local"),
    ],
)
def test_blocked_rules(address, rule):
    assert blocked_rule(ipaddress.ip_address(address)) == rule


def test_a_refused_embedded_address_is_named():
    with pytest.raises(EgressDenied) as refused:
        EgressPolicy().resolve("2002:a9fe:a9fe::1", 80)
    assert "2002:a9fe:a9fe::1 carries 169.254.169.254" in str(refused.value)
    assert "rule 'cloud-metadata'" in str(refused.value)


def fixed(answers: dict[str, list[str]]):
    return lambda host, port: answers[host]


def test_the_refusal_names_the_rule_and_the_setting():
    policy = EgressPolicy(resolver=fixed({"intranet.example": ["10.0.0.5"]}))
    with pytest.raises(EgressDenied) as refused:
        policy.resolve("intranet.example", 443)
    message = str(refused.value)
    assert "intranet.example resolves to 10.0.0.5" in message
    assert "a private network address (rule 'private')" in message
    assert "CONNECTORHUB_EGRESS_ALLOW" in message


def test_allowlist_by_cidr_and_by_host_name():
    policy = EgressPolicy.from_allowlist(["10.0.0.0/8", "*.corp.example"])
    policy = EgressPolicy(
        policy.allow_hosts,
        policy.allow_networks,
        resolver=fixed({"a.test": ["10.9.9.9"], "db.corp.example": ["192.168.0.7"]}),
    )
    assert policy.resolve("a.test", 80) == ["10.9.9.9"]
    assert policy.resolve("db.corp.example", 80) == ["192.168.0.7"]
    with pytest.raises(EgressDenied):
        policy.resolve("172.17.0.1", 80)


def test_only_the_allowed_addresses_of_a_mixed_answer_are_used():
    policy = EgressPolicy(resolver=fixed({"mixed.test": ["169.254.169.254", "93.184.216.34"]}))
    assert policy.resolve("mixed.test", 80) == ["93.184.216.34"]


def test_a_dry_run_to_loopback_is_refused_before_connecting(server):
    outcome = run_template(
        V18,
        {"method": "GET", "url": f"{server.url}/x", "resultVariable": "result"},
        policy=EgressPolicy.from_allowlist([]),
    )
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert "rule 'loopback'" in outcome.message
    assert server.requests == []


def test_every_redirect_hop_is_checked(server):
    server.route("/hop", Reply(status=302, headers=[("Location", "http://169.254.169.254/")]))
    outcome = run_template(
        V18,
        {
            "method": "GET",
            "url": f"{server.url}/hop",
            "followRedirects": True,
            "resultVariable": "result",
        },
    )
    assert outcome.kind == "failed"
    assert "169.254.169.254 is a cloud metadata address (rule 'cloud-metadata')" in outcome.message
    assert [x["status"] for x in outcome.trace.exchanges] == [302]


def test_the_connection_goes_to_the_address_that_was_checked(server):
    """`rebind.test` exists only in the policy's resolver: the request can reach the server
    only if the client connects to the checked address instead of asking DNS again."""
    policy = EgressPolicy(
        allow_hosts=("rebind.test",), resolver=fixed({"rebind.test": ["127.0.0.1"]})
    )
    outcome = run_template(
        V18,
        {"method": "GET", "url": f"http://rebind.test:{server.port}/x", "resultVariable": "r"},
        policy=policy,
    )
    assert result_of(outcome, "r")["status"] == 200
    assert server.last("/x").header("Host") == f"rebind.test:{server.port}"


def test_a_rest_exchange_is_recorded_as_a_protocol_neutral_exchange(server):
    url = f"{server.url}/x"
    outcome = run_template(V18, {"method": "GET", "url": url, "resultVariable": "r"})
    [exchange] = outcome.trace.exchanges
    assert (exchange["protocol"], exchange["target"], exchange["summary"]) == (
        "http",
        url,
        f"GET {url}",
    )
    assert (exchange["method"], exchange["url"], exchange["status"]) == ("GET", url, 200)


def test_per_secret_host_rules_still_apply(server):
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider
    from tests.builtin.conftest import LOCAL_ONLY

    outcome = run_job(
        JobRequest(
            type="io.camunda:http-json:1",
            variables={
                "method": "GET",
                "url": f"{server.url}/x",
                "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
            },
        ),
        secrets=MappingSecretProvider({"TOKEN": "t0ken-value"}),
        allowed_hosts=lambda name: ["api.example.com"],
        address_policy=LOCAL_ONLY,
    )
    assert outcome.kind == "failed"
    assert "TOKEN" in outcome.message
    assert server.requests == []


@pytest.mark.django_db  # the policy also reads the allow-list staff keep in the app
def test_settings_choose_the_policy(settings):
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1", "internal.example"]
    dry_run = policy_from_settings("dry_run")
    assert isinstance(dry_run, EgressPolicy)
    assert dry_run.allow_hosts == ("internal.example",)
    assert policy_from_settings("worker") is None  # off by default: processes are trusted
    settings.CONNECTORHUB_WORKER_EGRESS_POLICY = "enforce"
    assert policy_from_settings("worker") == dry_run
    settings.CONNECTORHUB_EGRESS_POLICY = "off"
    assert policy_from_settings("dry_run") is None


def test_a_malformed_policy_setting_stops_start_up(monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("CONNECTORHUB_EGRESS_POLICY", "sometimes")
    process = subprocess.run(
        [sys.executable, "-c", "import connectorhub.settings"], capture_output=True, text=True
    )
    assert process.returncode != 0
    assert "CONNECTORHUB_EGRESS_POLICY='sometimes' must be 'enforce' or 'off'" in process.stderr


def test_run_job_hands_the_policy_to_the_connector():
    from connectorhub_sdk import connector
    from pydantic import BaseModel

    from connectors.registry import Registry
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider

    class Empty(BaseModel):
        pass

    @connector(type="test:policy:1", name="Policy probe", input=Empty)
    def probe(data: Empty, context) -> dict:
        return {"policy": repr(context.address_policy)}

    registry = Registry()
    registry.register(probe, "test")
    policy = EgressPolicy.from_allowlist(["10.0.0.0/8"])
    job = JobRequest(type="test:policy:1", headers={"resultVariable": "r"})
    with_policy = run_job(job, secrets=MappingSecretProvider({}), registry=registry,
                          address_policy=policy)  # fmt: skip
    without = run_job(job, secrets=MappingSecretProvider({}), registry=registry)
    assert with_policy.variables["r"]["policy"] == repr(policy)
    assert without.variables["r"]["policy"] == "None"
