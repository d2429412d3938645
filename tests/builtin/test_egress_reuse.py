"""The egress policy reuses an allowed answer for a few seconds, never a refusal, and the
connection still goes only to the addresses that were checked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from connectorhub_sdk import EgressDenied

from connectors.network import policy as egress
from connectors.network.policy import EgressPolicy, HostNotResolved
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template

V18 = template(REST_FILE, REST_ID, 18)


class Dns:
    """A resolver whose answers the test changes, counting the questions."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.questions = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.questions += 1
        if host not in self.answers:
            raise OSError("no such host")
        return list(self.answers[host])


@pytest.fixture(autouse=True)
def _no_reused_answers() -> Iterator[None]:
    egress.forget_answers()
    yield
    egress.forget_answers()


def test_an_allowed_answer_is_reused_within_its_ttl():
    dns = Dns({"api.test": ["93.184.216.34"]})
    policy = EgressPolicy(resolver=dns)
    assert policy.resolve("api.test", 443) == ["93.184.216.34"]
    dns.answers["api.test"] = ["10.0.0.1"]  # a rebinding answer arrives meanwhile
    assert policy.resolve("api.test", 443) == ["93.184.216.34"]
    assert dns.questions == 1


def test_after_the_ttl_the_name_is_resolved_and_checked_again(monkeypatch):
    monkeypatch.setattr(egress, "ANSWER_TTL", 0.0)
    dns = Dns({"api.test": ["93.184.216.34"]})
    policy = EgressPolicy(resolver=dns)
    policy.resolve("api.test", 443)
    dns.answers["api.test"] = ["10.0.0.1"]
    with pytest.raises(EgressDenied, match="rule 'private'"):
        policy.resolve("api.test", 443)


def test_refusals_and_failures_are_not_reused():
    dns = Dns({"intranet.test": ["10.0.0.5"]})
    policy = EgressPolicy(resolver=dns)
    for _ in range(2):
        with pytest.raises(EgressDenied):
            policy.resolve("intranet.test", 80)
        with pytest.raises(HostNotResolved):
            policy.resolve("gone.test", 80)
    assert dns.questions == 4


def test_answers_are_per_policy_and_port():
    dns = Dns({"db.test": ["10.1.2.3"]})
    strict = EgressPolicy(resolver=dns)
    networks = EgressPolicy.from_allowlist(["10.0.0.0/8"]).allow_networks
    lenient = EgressPolicy(allow_networks=networks, resolver=dns)
    assert lenient.resolve("db.test", 5432) == ["10.1.2.3"]
    with pytest.raises(EgressDenied):
        strict.resolve("db.test", 5432)
    assert lenient.resolve("db.test", 5433) == ["10.1.2.3"]
    assert dns.questions == 3


def test_a_run_connects_to_the_reused_address_not_to_a_new_answer(server):
    dns = Dns({"svc.test": ["127.0.0.1"]})
    policy = EgressPolicy(allow_hosts=("svc.test",), resolver=dns)
    url = f"http://svc.test:{server.port}/x"
    job = {"method": "GET", "url": url, "resultVariable": "r"}
    assert result_of(run_template(V18, job, policy=policy), "r")["status"] == 200
    del dns.answers["svc.test"]  # a second DNS question would now fail the run
    assert result_of(run_template(V18, job, policy=policy), "r")["status"] == 200
    assert dns.questions == 1
    assert len(server.requests) == 2
