"""REST: every authentication type, selected through the official v18 template (and the older
templates that offer it), asserted on the request the local server received."""

from __future__ import annotations

import base64

import pytest

from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Reply, oauth_token_endpoint

V18 = template(REST_FILE, REST_ID, 18)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def call(server, auth: dict, **extra):
    server.routes.setdefault("/api", Reply(json={"ok": True}))
    values = {"method": "GET", "url": f"{server.url}/api", "resultVariable": "result", **extra}
    values.update({f"authentication.{k}": v for k, v in auth.items()})
    return run_template(V18, values, secrets={"PASSWORD": "s3cr3t-pw", "KEY": "key-123"})


def test_no_auth_sends_no_credentials(server):
    result_of(call(server, {"type": "noAuth"}))
    assert server.last("/api").header("Authorization") is None


def test_basic_auth_with_a_secret(server):
    outcome = call(server, {"type": "basic", "username": "ada", "password": "{{secrets.PASSWORD}}"})
    result_of(outcome)
    assert server.last("/api").header("Authorization") == basic("ada", "s3cr3t-pw")
    # the trace never shows the credentials
    assert "s3cr3t" not in str(StoredOutcome.from_outcome(outcome).dump())


def test_bearer_token(server):
    result_of(call(server, {"type": "bearer", "token": "tok-abc"}))
    assert server.last("/api").header("Authorization") == "Bearer tok-abc"


def test_api_key_in_a_header(server):
    auth = {"type": "apiKey", "apiKeyLocation": "headers", "name": "X-Api-Key", "value": "k1"}
    result_of(call(server, auth))
    assert server.last("/api").header("X-Api-Key") == "k1"


def test_api_key_in_the_query_comes_before_the_users_parameters(server):
    auth = {"type": "apiKey", "apiKeyLocation": "query", "name": "api_key", "value": "k 2"}
    result_of(call(server, auth, queryParameters='={"page": "2"}'))
    assert server.last("/api").query == [("api_key", "k 2"), ("page", "2")]


@pytest.mark.parametrize("client_auth", ["basicAuthHeader", "credentialsBody"])
def test_oauth_client_credentials(server, client_auth):
    tokens = oauth_token_endpoint(server)
    auth = {
        "type": "oauth-client-credentials-flow",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "client-1",
        "clientSecret": "{{secrets.PASSWORD}}",
        "audience": "my-api",
        "scopes": "read write",
        "clientAuthentication": client_auth,
    }
    outcome = call(server, auth)
    result_of(outcome)
    token_request = server.last("/oauth/token")
    form = dict(token_request.form())
    assert token_request.method == "POST"
    assert token_request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert form["grant_type"] == "client_credentials"
    assert form["audience"] == "my-api"
    assert form["scope"] == "read write"
    if client_auth == "basicAuthHeader":
        assert token_request.header("Authorization") == basic("client-1", "s3cr3t-pw")
        assert "client_secret" not in form
    else:
        assert token_request.header("Authorization") is None
        assert (form["client_id"], form["client_secret"]) == ("client-1", "s3cr3t-pw")
    assert server.last("/api").header("Authorization") == "Bearer token-1"
    assert tokens() == 1
    # both exchanges are in the trace; the token and the client secret are not
    exchanges = outcome.trace.exchanges
    assert [x["url"].split("?")[0] for x in exchanges] == [
        f"{server.url}/oauth/token",
        f"{server.url}/api",
    ]
    assert "token-1" not in str(exchanges)
    assert "s3cr3t" not in str(exchanges)


def test_oauth_tokens_are_cached_until_shortly_before_they_expire(server):
    tokens = oauth_token_endpoint(server, expires_in=3600)
    auth = {
        "type": "oauth-client-credentials-flow",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "c",
        "clientSecret": "s",
        "clientAuthentication": "credentialsBody",
    }
    for _ in range(3):
        result_of(call(server, auth))
    assert tokens() == 1
    assert [r.header("Authorization") for r in server.requests if r.path == "/api"] == [
        "Bearer token-1"
    ] * 3
    # another client is another token
    result_of(call(server, {**auth, "clientId": "other"}))
    assert tokens() == 2


@pytest.mark.parametrize("expires_in", [None, 10])
def test_oauth_tokens_without_a_useful_lifetime_are_not_cached(server, expires_in):
    tokens = oauth_token_endpoint(server, expires_in=expires_in)
    auth = {
        "type": "oauth-client-credentials-flow",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "c",
        "clientSecret": "s",
        "clientAuthentication": "basicAuthHeader",
    }
    result_of(call(server, auth))
    result_of(call(server, auth))
    assert tokens() == 2  # expires_in 10 leaves 0 s after the 10 s margin


def test_oauth_refresh_token(server):
    oauth_token_endpoint(server)
    auth = {
        "type": "oauth-refresh-token",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "c",
        "clientSecret": "s",
        "refreshToken": "refresh-1",
        "scopes": "read",
    }
    result_of(call(server, auth))
    form = dict(server.last("/oauth/token").form())
    assert form == {
        "grant_type": "refresh_token",
        "client_id": "c",
        "refresh_token": "refresh-1",
        "client_secret": "s",
        "scope": "read",
    }
    assert server.last("/oauth/token").header("Authorization") is None
    assert server.last("/api").header("Authorization") == "Bearer token-1"


def test_an_expired_refresh_token_has_its_own_error_code(server):
    oauth_token_endpoint(server)
    auth = {
        "type": "oauth-refresh-token",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "c",
        "refreshToken": "expired",
    }
    outcome = call(server, auth)
    assert outcome.kind == "failed"
    # the token endpoint's 400 is an HTTP error of the token request, as in Camunda
    assert outcome.code == "400"
    assert server.count("/api") == 0


def test_a_token_response_without_access_token(server):
    server.route("/oauth/token", Reply(json={"token_type": "Bearer"}))
    auth = {
        "type": "oauth-client-credentials-flow",
        "oauthTokenEndpoint": f"{server.url}/oauth/token",
        "clientId": "c",
        "clientSecret": "s",
        "clientAuthentication": "basicAuthHeader",
    }
    outcome = call(server, auth)
    assert outcome.code == "OAUTH_TOKEN_ERROR"
    assert "no access_token" in outcome.message


def test_authentication_configuration_wins_over_the_inline_authentication(server):
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider
    from tests.builtin.conftest import LOCAL_ONLY

    outcome = run_job(
        JobRequest(
            type="io.camunda:http-json:1",
            variables={
                "method": "GET",
                "url": f"{server.url}/api",
                "authentication": {"type": "bearer", "token": "inline"},
                "authenticationConfiguration": {
                    "authentication": {"type": "bearer", "token": "configured"}
                },
            },
            headers={"resultVariable": "result"},
        ),
        secrets=MappingSecretProvider({}),
        address_policy=LOCAL_ONLY,
    )
    result_of(outcome)
    assert server.last("/api").header("Authorization") == "Bearer configured"


@pytest.mark.parametrize(
    ("template_id", "version", "auth"),
    [
        ("io.camunda.connectors.HttpJson.v1.basicAuth", None, {}),
        ("io.camunda.connectors.HttpJson.v1.bearerToken", None, {}),
        (REST_ID, None, {"type": "basic"}),
        (REST_ID, 2, {"type": "bearer"}),
        (REST_ID, 6, {"type": "apiKey"}),
        (REST_ID, 12, {"type": "basic"}),
        (REST_ID, 15, {"type": "oauth-refresh-token"}),
    ],
)
def test_older_templates_select_their_authentication(server, template_id, version, auth):
    oauth_token_endpoint(server)
    tpl = template(REST_FILE, template_id, version)
    values = {
        "method": "get" if version is None else "GET",
        "url": f"{server.url}/api",
        "resultVariable": "result",
        "authentication.username": "ada",
        "authentication.password": "pw",
        "authentication.token": "tok",
        "authentication.apiKeyLocation": "headers",
        "authentication.name": "X-Key",
        "authentication.value": "v",
        "authentication.oauthTokenEndpoint": f"{server.url}/oauth/token",
        "authentication.clientId": "c",
        "authentication.refreshToken": "r",
    }
    values.update({f"authentication.{k}": v for k, v in auth.items()})
    result_of(run_template(tpl, values))
    request = server.last("/api")
    kind = auth.get("type") or ("basic" if "basicAuth" in template_id else "bearer")
    expected = {
        "basic": ("Authorization", basic("ada", "pw")),
        "bearer": ("Authorization", "Bearer tok"),
        "apiKey": ("X-Key", "v"),
        "oauth-refresh-token": ("Authorization", "Bearer token-1"),
    }[kind]
    assert request.header(expected[0]) == expected[1]
