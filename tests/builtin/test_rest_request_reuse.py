"""What the REST path reuses between runs (a parsed URL per text, the address check per host,
the egress policy's hash) changes nothing a request carries or a refusal says; the default
headers give way to the user's in any case; the trace shows the headers that were sent, or on
failure the ones that were to be sent."""

from __future__ import annotations

import pickle

import pytest
from connectorhub_sdk import EgressDenied

from connectors.network.policy import EgressPolicy
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import RecordingServer

V18 = template(REST_FILE, REST_ID, 18)


def run(values: dict, **kwargs):
    return run_template(V18, {"resultVariable": "result", **values}, **kwargs)


def test_one_url_text_with_other_query_parameters_each_time(server):
    url = f"{server.url}/q?fixed=1"
    for page in ("1", "2"):
        result_of(run({"method": "GET", "url": url, "queryParameters": f'={{"page": "{page}"}}'}))
        assert server.last("/q").query == [("fixed", "1"), ("page", page)]
    result_of(run({"method": "GET", "url": url}))
    assert server.last("/q").query == [("fixed", "1")]


def test_a_malformed_url_is_refused_every_time():
    for _ in range(2):
        outcome = run({"method": "GET", "url": "http://[::1/x"})
        assert outcome.kind == "failed"
        assert outcome.retries == 0
        assert "url: Invalid URL: the URL 'http://[::1/x' cannot be parsed" in outcome.message


def test_default_headers_give_way_to_the_users_in_any_case(server):
    result_of(
        run(
            {
                "method": "GET",
                "url": f"{server.url}/h",
                "headers": '={"accept": "text/csv", "USER-AGENT": "me/1", "X-A": "1"}',
            }
        )
    )
    request = server.last("/h")
    assert request.header_all("Accept") == ["text/csv"]
    assert request.header_all("User-Agent") == ["me/1"]
    assert request.header("Accept-Encoding") == "gzip, deflate"  # the defaults not overridden
    assert request.header("X-A") == "1"


def test_the_trace_shows_the_sent_headers_or_those_that_were_to_be_sent(server):
    headers = '={"X-Trace": "t-1"}'
    sent = run({"method": "GET", "url": f"{server.url}/t", "headers": headers})
    exchange = sent.trace.exchanges[0]
    assert exchange["request_headers"]["X-Trace"] == "t-1"
    assert exchange["request_headers"]["Host"] == f"127.0.0.1:{server.port}"
    assert exchange["request_headers"]["User-Agent"].startswith("python-httpx/")

    with RecordingServer() as closed:
        port = closed.port
    failed = run({"method": "GET", "url": f"http://127.0.0.1:{port}/t", "headers": headers})
    assert failed.kind == "failed"
    exchange = failed.trace.exchanges[0]
    assert exchange["request_headers"] == {"X-Trace": "t-1"}
    assert "Could not connect" in exchange["error"]


def test_an_address_refused_once_is_refused_again():
    for _ in range(2):
        outcome = run({"method": "GET", "url": "http://10.0.0.5:9/x"})
        assert outcome.kind == "failed"
        assert outcome.retries == 0
        assert "The egress policy refused 10.0.0.5" in outcome.message


def test_equal_policies_hash_alike_and_a_pickled_one_works():
    policy = EgressPolicy.from_allowlist(["127.0.0.1", "api.internal"])
    same = EgressPolicy.from_allowlist(["127.0.0.1", "api.internal"])
    other = EgressPolicy.from_allowlist(["127.0.0.2"])
    assert hash(policy) == hash(same) and policy == same
    assert policy != other
    copied = pickle.loads(pickle.dumps(policy))
    assert copied == policy and hash(copied) == hash(policy)
    assert copied.resolve("127.0.0.1", 80) == ["127.0.0.1"]
    with pytest.raises(EgressDenied, match="rule 'loopback'"):
        other.resolve("127.0.0.1", 80)
