"""A secret in a request URL never reaches the stored run, in any spelling: the URL recorded in
the run's HTTP exchanges is built from the URL text and query parameters with the secret masked
before httpx encodes them (httpx writes a space as %20 and keeps `'!*();:@,$~` as they are,
a spelling the redactor cannot guess)."""

from __future__ import annotations

import json
from urllib.parse import unquote

from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Recorded, Reply

V18 = template(REST_FILE, REST_ID, 18)
SECRET = "op en'!*();:@,$~sesame"  # every character httpx leaves unescaped in a path
MARK = "sesame"  # in every spelling of the secret, masked or not


def stored_text(outcome: object) -> str:
    """Everything the hub stores about the run (outcome, variables, trace)."""
    return json.dumps(StoredOutcome.from_outcome(outcome).dump(), ensure_ascii=False)


def run_with_secret(url: str, **values: object) -> object:
    return run_template(
        V18,
        {"method": "GET", "url": url, "resultVariable": "r", **values},
        secrets={"TOKEN": SECRET},
    )


def test_a_secret_in_the_path_and_query_is_masked_in_the_stored_exchange(server):
    server.fallback = Reply(json={"ok": True})
    outcome = run_with_secret(
        f"{server.url}/items/{{{{secrets.TOKEN}}}}/detail?q={{{{secrets.TOKEN}}}}",
        queryParameters='={"key": "{{secrets.TOKEN}}"}',
    )
    assert result_of(outcome, "r")["body"] == {"ok": True}
    request = server.last()
    assert unquote(request.path) == f"/items/{SECRET}/detail"  # the secret was sent
    assert dict(request.query) == {"q": SECRET, "key": SECRET}
    [exchange] = outcome.trace.exchanges
    assert exchange["url"] == f"{server.url}/items/***/detail?q=***&key=***"
    assert MARK not in stored_text(outcome)


def test_a_secret_in_a_redirect_location_is_masked_in_the_stored_exchange(server):
    def add_slash(request: Recorded) -> Reply:
        if request.path.endswith("/"):
            return Reply(json={"ok": True})
        # the location as the server received the path: httpx's spelling of the secret
        return Reply(status=301, headers=[("Location", request.path + "/")])

    server.fallback = add_slash
    outcome = run_with_secret(f"{server.url}/items/{{{{secrets.TOKEN}}}}", followRedirects=True)
    assert result_of(outcome, "r")["body"] == {"ok": True}
    assert [x["url"] for x in outcome.trace.exchanges] == [
        f"{server.url}/items/***",
        f"{server.url}/items/***/",
    ]
    assert MARK not in stored_text(outcome)
    # not followed, the redirect is the result: its Location is masked there too
    unfollowed = run_with_secret(f"{server.url}/items/{{{{secrets.TOKEN}}}}")
    assert result_of(unfollowed, "r")["headers"]["Location"] == "/items/***/"
    assert MARK not in stored_text(unfollowed)


def test_a_secret_in_a_circular_redirect_is_masked_in_the_error(server):
    def ping_pong(request: Recorded) -> Reply:
        other = "/b/" if request.path.startswith("/a/") else "/a/"
        return Reply(status=302, headers=[("Location", other + request.path[3:])])

    server.fallback = ping_pong
    outcome = run_with_secret(f"{server.url}/a/{{{{secrets.TOKEN}}}}", followRedirects=True)
    assert outcome.kind == "failed"
    assert f"circular redirect to {server.url}/a/***" in outcome.message
    assert MARK not in stored_text(outcome)


def test_without_secrets_the_exchange_shows_the_url_as_sent(server):
    outcome = run_template(
        V18,
        {
            "method": "GET",
            "url": f"{server.url}/a b/c?x=1 2",
            "queryParameters": '={"y": "3 4*"}',
            "resultVariable": "r",
        },
    )
    result_of(outcome, "r")
    [exchange] = outcome.trace.exchanges
    assert exchange["url"] == f"{server.url}/a%20b/c?x=1%202&y=3+4%2A"
