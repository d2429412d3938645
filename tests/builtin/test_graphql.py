"""GraphQL through the official templates (v1-13) against a local GraphQL endpoint."""

from __future__ import annotations

import base64

import pytest

from tests.builtin.conftest import (
    GRAPHQL_FILE,
    GRAPHQL_ID,
    result_of,
    run_template,
    template,
    templates,
)  # fmt: skip
from tests.services.http_servers import Reply, graphql_endpoint, oauth_token_endpoint

V13 = template(GRAPHQL_FILE, GRAPHQL_ID, 13)


@pytest.fixture
def gql(server):
    graphql_endpoint(server)
    oauth_token_endpoint(server)
    return server


def values(server, **extra):
    return {
        "graphql.url": f"{server.url}/graphql",
        "graphql.method": "post",
        "graphql.query": "query Echo($id: ID) { echo hello }",
        "graphql.variables": '={"id": "42"}',
        "resultVariable": "result",
        **extra,
    }


@pytest.mark.parametrize("tpl", templates(GRAPHQL_FILE), ids=lambda t: f"v{t.version}")
def test_every_graphql_template_version_posts_the_query(gql, tpl):
    variables_prop = next(p for p in tpl.properties if p.binding.name == "graphql.variables")
    variables = '{"id": "42"}' if variables_prop.feel is None else '={"id": "42"}'
    result = result_of(run_template(tpl, values(gql, **{"graphql.variables": variables})))
    request = gql.last("/graphql")
    assert request.method == "POST"
    assert request.header("Content-Type") == "application/json"
    assert request.json() == {
        "query": "query Echo($id: ID) { echo hello }",
        "variables": {"id": "42"},
    }
    assert result["status"] == 200
    assert result["body"]["data"]["hello"] == "world"


def test_get_sends_query_and_variables_as_parameters(gql):
    result_of(run_template(V13, values(gql, **{"graphql.method": "get"})))
    request = gql.last("/graphql")
    assert request.method == "GET"
    assert dict(request.query) == {
        "query": "query Echo($id: ID) { echo hello }",
        "variables": '{"id": "42"}',
    }
    assert request.body == b""


def test_escaped_query_text_is_cleaned_as_camunda_does(gql):
    result_of(run_template(V13, values(gql, **{"graphql.query": '{ hello(name: \\"x\\") }\\n'})))
    assert gql.last("/graphql").json()["query"] == '{ hello(name: "x") }'


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        ({"type": "basic", "username": "u", "password": "p"},
         ("Authorization", "Basic " + base64.b64encode(b"u:p").decode())),
        ({"type": "bearer", "token": "tok"}, ("Authorization", "Bearer tok")),
        ({"type": "apiKey", "apiKeyLocation": "headers", "name": "X-Key", "value": "k"},
         ("X-Key", "k")),
        ({"type": "oauth-client-credentials-flow", "clientId": "c", "clientSecret": "s",
          "clientAuthentication": "credentialsBody"}, ("Authorization", "Bearer token-1")),
        ({"type": "oauth-refresh-token", "clientId": "c", "refreshToken": "r"},
         ("Authorization", "Bearer token-1")),
    ],
)  # fmt: skip
def test_authentication_types(gql, auth, header):
    extra = {f"authentication.{k}": v for k, v in auth.items()}
    extra["authentication.oauthTokenEndpoint"] = f"{gql.url}/oauth/token"
    result_of(run_template(V13, values(gql, **extra)))
    assert gql.last("/graphql").header(header[0]) == header[1]


@pytest.mark.parametrize("version", [1, 2, 3])
def test_the_v1_to_v3_bearer_field_is_used(gql, version):
    tpl = template(GRAPHQL_FILE, GRAPHQL_ID, version)
    extra = {"authentication.type": "bearer", "graphql.authentication.token": "legacy-tok"}
    outcome = run_template(tpl, values(gql, **extra, **{"graphql.variables": '{"id": "42"}'}))
    result_of(outcome)
    assert gql.last("/graphql").header("Authorization") == "Bearer legacy-tok"


def test_graphql_errors_become_a_coded_error(gql):
    outcome = run_template(
        V13,
        values(
            gql,
            **{
                "graphql.query": "{ fail }",
                "errorExpression": '=if error.code = "GRAPHQL_ERROR" then '
                'bpmnError("GQL", error.message) else null',
            },
        ),
    )
    assert outcome.kind == "bpmn_error"
    assert (outcome.code, outcome.message) == ("GQL", "Cannot query field 'fail'")


def test_http_errors_and_bad_input(server):
    server.route("/graphql", Reply(status=401, json={"message": "who are you"}))
    outcome = run_template(V13, values(server))
    assert (outcome.kind, outcome.code) == ("failed", "401")
    assert outcome.variables["error"]["variables"]["response"]["body"] == {"message": "who are you"}
    bad = run_template(V13, values(server, **{"graphql.variables": '="not an object"'}))
    assert bad.retries == 0
    assert "graphql.variables" in bad.message
