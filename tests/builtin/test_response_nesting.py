"""Responses nested deeper than anything can walk: a JSON or XML body nested 100,000 levels
deep fails the run with a message saying so, never with a RecursionError (REST, GraphQL, the
OAuth token endpoint, SOAP)."""

from __future__ import annotations

import pytest

from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import (
    GRAPHQL_FILE,
    GRAPHQL_ID,
    REST_FILE,
    REST_ID,
    SOAP_FILE,
    SOAP_ID,
    result_of,
    run_template,
    template,
)  # fmt: skip
from tests.services.http_servers import SOAP11, Reply

REST = template(REST_FILE, REST_ID, 18)
REST_LEGACY = template(REST_FILE, REST_ID, 12)  # no documentReturnFormat
GRAPHQL = template(GRAPHQL_FILE, GRAPHQL_ID, 13)
SOAP = template(SOAP_FILE, SOAP_ID, 2)
DEEP = 100_000


def get(url: str, tpl=REST) -> object:
    return run_template(tpl, {"method": "GET", "url": url, "resultVariable": "r"})


# --------------------------------------------------------------------------------------------

DEEP_JSON = "[" * DEEP + "]" * DEEP
NESTING_MESSAGE = "the response body is nested more than 256 levels deep"


def assert_nesting_failure(outcome: object) -> None:
    assert outcome.kind == "failed", outcome
    assert NESTING_MESSAGE in outcome.message
    assert "RecursionError" not in str(StoredOutcome.from_outcome(outcome).dump())


@pytest.mark.parametrize("tpl", [REST, REST_LEGACY], ids=["json-format", "legacy"])
@pytest.mark.parametrize("status", [200, 500])
def test_deeply_nested_json_fails_with_a_clear_message(server, tpl, status):
    server.route("/deep", Reply(status=status, body=DEEP_JSON))
    assert_nesting_failure(get(f"{server.url}/deep", tpl))


def test_json_nested_within_the_limit_is_returned(server):
    nested = "[" * 256 + "]" * 256
    server.route("/nested", Reply(body=nested))
    body = result_of(get(f"{server.url}/nested"), "r")["body"]
    depth = 0
    while isinstance(body, list) and body:
        body, depth = body[0], depth + 1
    assert depth == 255  # the innermost of the 256 arrays is empty


def test_deeply_nested_graphql_answer_fails_with_a_clear_message(server):
    server.route("/graphql", Reply(body='{"data": ' + DEEP_JSON + "}"))
    values = {
        "graphql.url": f"{server.url}/graphql",
        "graphql.method": "post",
        "graphql.query": "{ hello }",
        "resultVariable": "r",
    }
    assert_nesting_failure(run_template(GRAPHQL, values))


def test_deeply_nested_oauth_token_answer_fails_with_a_clear_message(server):
    server.route("/oauth/token", Reply(body='{"x": ' + DEEP_JSON + "}"))
    auth = {
        "type": "oauth-client-credentials-flow",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "client-1",
        "clientSecret": "secret",
        "clientAuthentication": "basicAuthHeader",
    }
    values = {"method": "GET", "url": f"{server.url}/api", "resultVariable": "r"}
    values.update({f"authentication.{k}": v for k, v in auth.items()})
    assert_nesting_failure(run_template(REST, values))
    assert server.count("/api") == 0


def test_deeply_nested_soap_answer_fails_with_a_clear_message(server):
    deep = "<a>" * DEEP + "</a>" * DEEP
    envelope = f'<s:Envelope xmlns:s="{SOAP11}"><s:Body>{deep}</s:Body></s:Envelope>'
    server.route("/soap", Reply(headers=[("Content-Type", "text/xml")], body=envelope))
    values = {
        "serviceUrl": f"{server.url}/soap",
        "soapVersion.version": "1.1",
        "body.type": "json",
        "body.json": '={"c:Ping": {}}',
        "namespaces": '={"c": "urn:calc"}',
        "resultVariable": "r",
    }
    assert_nesting_failure(run_template(SOAP, values))
