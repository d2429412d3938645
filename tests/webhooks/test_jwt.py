"""JWT authorization of the generic webhook against a real JWK set served on 127.0.0.1: tokens
signed with freshly generated RSA and EC keys (PyJWT, cryptography), the permissions
expression and required permissions (Camunda's JWTAuthHandler)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from connectors.builtin.webhook.generic import generic_webhook
from tests.services.http_servers import RecordingServer, Reply
from tests.webhooks.conftest import inbound_context, send

pytestmark = pytest.mark.xdist_group("webhooks")

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def serve_jwks(server: RecordingServer, *, with_alg: bool = True) -> str:
    """A JWK set with the RSA key (kid "r1") and the EC key (kid "e1") at a fresh path (the
    webhook keeps a fetched set 10 minutes per URL)."""
    rsa_jwk = RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True)
    ec_jwk = ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True)
    rsa_jwk.update(kid="r1", use="sig")
    ec_jwk.update(kid="e1", use="sig")
    if with_alg:
        rsa_jwk["alg"], ec_jwk["alg"] = "RS256", "ES256"
    path = f"/jwks-{uuid.uuid4().hex}"
    server.route(path, Reply(json={"keys": [rsa_jwk, ec_jwk]}))
    return path


def token(key: Any = RSA_KEY, algorithm: str = "RS256", kid: str = "r1", **claims: Any) -> str:
    payload = {"sub": "caller", "exp": int(time.time()) + 300, **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def jwt_props(url: str, **extra: str) -> dict[str, str]:
    return {
        "inbound.type": "io.camunda:webhook:1",
        "inbound.context": "orders",
        "inbound.auth.type": "JWT",
        "inbound.auth.jwt.jwkUrl": url,
        **{f"inbound.auth.jwt.{k}": v for k, v in extra.items()},
    }


@pytest.mark.parametrize("with_alg", [True, False], ids=["jwk-alg", "token-alg"])
def test_rs256_and_es256_tokens_from_the_jwk_set_are_accepted(
    server: RecordingServer, with_alg: bool
) -> None:
    path = serve_jwks(server, with_alg=with_alg)
    context = inbound_context(jwt_props(server.url + path))
    assert send(generic_webhook, context, headers=bearer(token())).status == 200
    es256 = token(EC_KEY, "ES256", "e1")
    assert send(generic_webhook, context, headers=bearer(es256)).status == 200
    assert len(context.correlations) == 2
    # fetched once, through the network door, and recorded for the run page
    assert server.count(path) == 1
    [exchange] = list(context.exchanges)
    assert (exchange.protocol, exchange.status) == ("http", 200)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: token(OTHER_RSA_KEY), id="signed-by-another-key"),
        pytest.param(lambda: token(exp=int(time.time()) - 60), id="expired"),
        pytest.param(lambda: token(kid="unknown"), id="unknown-kid"),
        pytest.param(lambda: token(RSA_KEY, "RS256", "e1"), id="kid-of-another-type"),
        pytest.param(lambda: jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256"), id="hs256"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
    ],
)
def test_a_token_that_does_not_verify_is_401(server: RecordingServer, bad: Any) -> None:
    context = inbound_context(jwt_props(server.url + serve_jwks(server)))
    answer = send(generic_webhook, context, headers=bearer(bad()))
    assert (answer.status, answer.body) == (
        401,
        {"reason": "Reason: INVALID_CREDENTIALS. Details: JWT auth failed"},
    )
    assert context.correlations == []


def test_no_token_is_401(server: RecordingServer) -> None:
    context = inbound_context(jwt_props(server.url + serve_jwks(server)))
    assert send(generic_webhook, context).status == 401


def test_required_permissions_from_the_permissions_expression(server: RecordingServer) -> None:
    context = inbound_context(
        jwt_props(
            server.url + serve_jwks(server),
            permissionsExpression='=if admin = true then ["read", "write"] else roles',
            requiredPermissions='=["write"]',
        )
    )
    assert (
        send(generic_webhook, context, headers=bearer(token(roles=["read", "write"]))).status == 200
    )
    assert send(generic_webhook, context, headers=bearer(token(admin=True))).status == 200
    refused = send(generic_webhook, context, headers=bearer(token(roles=["read"])))
    assert (refused.status, refused.body) == (
        403,
        {"reason": "Reason: FORBIDDEN. Details: Missing required permissions"},
    )
    assert send(generic_webhook, context, headers=bearer(token())).status == 403
    assert len(context.correlations) == 2


def test_an_unreachable_jwk_set_is_a_500_without_details(server: RecordingServer) -> None:
    server.route("/jwks-down", Reply(status=503))
    context = inbound_context(jwt_props(server.url + "/jwks-down"))
    answer = send(generic_webhook, context, headers=bearer(token()))
    assert (answer.status, answer.body) == (500, None)
    assert any("answered HTTP 503" in message for _, message in context.activity)


def test_the_jwk_url_goes_through_the_network_door(server: RecordingServer) -> None:
    path = serve_jwks(server)
    context = inbound_context(jwt_props(server.url + path), allow_hosts=["keys.example.com"])
    assert send(generic_webhook, context, headers=bearer(token())).status == 500
    assert server.count(path) == 0
    assert any("may not connect to 127.0.0.1" in message for _, message in context.activity)
