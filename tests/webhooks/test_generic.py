"""The generic webhook, io.camunda:webhook:1, request by request: the method filter, HMAC in every
scope and algorithm, basic and API-key authorization, the verification expression, the
`request` variable, documents from a multipart upload, and the HTTP answer for each correlation
outcome (Camunda's HttpWebhookExecutable and InboundWebhookRestController). JWT is in
test_jwt.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult
from connectorhub_sdk.inbound_testing import Answer

from connectors.builtin.webhook.generic import generic_webhook
from tests.webhooks.conftest import ENDPOINT, assert_no_secret, inbound_context, send

pytestmark = pytest.mark.xdist_group("webhooks")

SECRET = "hmac-s3cret-value"
BASE = {"inbound.type": "io.camunda:webhook:1", "inbound.context": "orders"}


def props(**extra: Any) -> dict[str, Any]:
    return {**BASE, **{f"inbound.{k}": v for k, v in extra.items()}}


def hmac_props(algorithm: str = "sha_256", scopes: str | None = None, **extra: Any) -> dict:
    values = {
        "shouldValidateHmac": "enabled",
        "hmacSecret": SECRET,
        "hmacHeader": "X-Signature",
        "hmacAlgorithm": algorithm,
        **extra,
    }
    if scopes is not None:
        values["hmacScopes"] = scopes
    return props(**values)


def sign(data: bytes, digest: str = "sha256", secret: str = SECRET) -> bytes:
    return hmac.new(secret.encode(), data, getattr(hashlib, digest)).digest()


def test_a_request_becomes_the_request_variable_and_is_correlated() -> None:
    context = inbound_context(props())
    answer = send(
        generic_webhook,
        context,
        body='{"orderId": 7, "items": ["a"]}',
        headers={"Content-Type": "application/json", "X-Trace": "t1"},
        query={"tenant": "eu"},
    )
    assert (answer.status, answer.body) == (200, None)
    [correlation] = context.correlations
    assert correlation.variables == {
        "request": {
            "body": {"orderId": 7, "items": ["a"]},
            "headers": {"content-type": "application/json", "x-trace": "t1"},
            "params": {"tenant": "eu"},
        },
        "connectorData": {},
        "documents": [],
    }


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/x-www-form-urlencoded", "a=1&b=x+y&c=", {"a": "1", "b": "x y", "c": ""}),
        ("text/xml", "<order id='1'/>", "<order id='1'/>"),
        ("application/json", "", {}),
        ("text/plain", "[1, 2]", [1, 2]),
    ],
)
def test_the_body_is_read_by_its_content_type(content_type: str, body: str, expected: Any) -> None:
    context = inbound_context(props())
    send(generic_webhook, context, body=body, headers={"Content-Type": content_type})
    assert context.correlations[0].variables["request"]["body"] == expected


def test_a_body_that_is_not_json_is_refused_naming_the_problem() -> None:
    context = inbound_context(props())
    answer = send(generic_webhook, context, body="not json", headers={"Content-Type": "text/plain"})
    assert answer.status == 422
    assert "request body: not valid JSON" in answer.body["reason"]
    assert context.correlations == []


def test_the_method_filter_answers_405() -> None:
    context = inbound_context(props(method="post"))
    answer = send(generic_webhook, context, method="GET")
    assert (answer.status, answer.body) == (405, {"reason": "Method GET not supported"})
    assert context.correlations == []
    assert send(generic_webhook, context, method="POST").status == 200


@pytest.mark.parametrize(
    ("algorithm", "digest"), [("sha_1", "sha1"), ("sha_256", "sha256"), ("sha_512", "sha512")]
)
def test_hmac_over_the_body_in_each_algorithm(algorithm: str, digest: str) -> None:
    body = b'{"event": "paid"}'
    mac = sign(body, digest)
    context = inbound_context(hmac_props(algorithm))
    for header in (mac.hex(), f"{digest}={mac.hex()}", base64.b64encode(mac).decode()):
        assert (
            send(generic_webhook, context, body=body, headers={"X-Signature": header}).status == 200
        )
    forged = sign(body + b" ", digest).hex()
    refused = send(generic_webhook, context, body=body, headers={"X-Signature": forged})
    assert refused.status == 401
    assert refused.body == {
        "reason": "Reason: INVALID_SIGNATURE. Details: HMAC signature check didn't pass"
    }
    assert len(context.correlations) == 3


def test_hmac_with_a_missing_header_or_the_wrong_algorithm_is_refused() -> None:
    body = b"{}"
    context = inbound_context(hmac_props("sha_512"))
    assert send(generic_webhook, context, body=body).status == 401
    wrong = sign(body, "sha256").hex()
    assert send(generic_webhook, context, body=body, headers={"X-Signature": wrong}).status == 401
    assert context.correlations == []


def test_githubs_published_signature_example_verifies() -> None:
    # docs.github.com, "Validating webhook deliveries": this secret, payload and header. The
    # payload is not JSON, so the request is sent as text/xml, which Camunda keeps as text.
    context = inbound_context(
        props(
            shouldValidateHmac="enabled",
            hmacSecret="It's a Secret to Everybody",
            hmacHeader="X-Hub-Signature-256",
            hmacAlgorithm="sha_256",
        )
    )
    signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    headers = {"X-Hub-Signature-256": signature, "Content-Type": "text/xml"}
    ok = send(generic_webhook, context, body="Hello, World!", headers=headers)
    assert ok.status == 200
    assert context.correlations[0].variables["request"]["body"] == "Hello, World!"
    tampered = send(generic_webhook, context, body="Hello, World?", headers=headers)
    assert tampered.status == 401
    assert len(context.correlations) == 1


def twilio_signature(url: str, fields: dict[str, str], token: str) -> str:
    """Twilio's documented scheme: the URL, then each POST field name and value in name order,
    HMAC-SHA1, base64."""
    data = url + "".join(k + fields[k] for k in sorted(fields))
    return base64.b64encode(sign(data.encode(), "sha1", token)).decode()


def test_url_and_body_scope_verifies_twilios_form_signature() -> None:
    fields = {"To": "+15551234567", "Body": "Hi there", "From": "+15557654321"}
    form = "&".join(f"{k}={v.replace(' ', '+').replace('+1', '%2B1')}" for k, v in fields.items())
    context = inbound_context(
        hmac_props("sha_1", '=["url","body","parameters"]', hmacHeader="x-twilio-signature")
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(ENDPOINT, fields, SECRET),
    }
    assert send(generic_webhook, context, body=form, headers=headers).status == 200
    assert context.correlations[0].variables["request"]["body"] == fields
    elsewhere = send(generic_webhook, context, body=form, headers=headers, url=ENDPOINT + "x")
    assert elsewhere.status == 401


def test_url_and_parameters_scope_signs_the_query() -> None:
    query = {"id": "42", "note": "a b~*"}
    signed = f"{ENDPOINT}?id=42&note=a+b%7E*".encode()
    context = inbound_context(hmac_props("sha_256", '=["url","parameters"]'))
    headers = {"X-Signature": sign(signed).hex()}
    assert send(generic_webhook, context, method="GET", query=query, headers=headers).status == 200
    changed = {**query, "id": "43"}
    assert (
        send(generic_webhook, context, method="GET", query=changed, headers=headers).status == 401
    )
    # all three scopes: a GET signs the parameters, a POST the body
    every = inbound_context(hmac_props("sha_256", '=["url","body","parameters"]'))
    assert send(generic_webhook, every, method="GET", query=query, headers=headers).status == 200
    body = b"[1,2]"
    post = {"X-Signature": sign(ENDPOINT.encode() + body).hex(), "Content-Type": "application/json"}
    assert send(generic_webhook, every, body=body, query=query, headers=post).status == 200


def test_an_unsupported_scope_combination_is_refused_when_bound() -> None:
    context = inbound_context(hmac_props("sha_256", '=["parameters"]'))
    with pytest.raises(ValueError, match=r"inbound\.hmacScopes: Camunda supports"):
        context.bind(generic_webhook.input)


def test_hmac_enabled_without_a_secret_is_an_input_error_naming_the_field() -> None:
    context = inbound_context(props(shouldValidateHmac="enabled", hmacHeader="X-Signature"))
    with pytest.raises(ValueError, match=r"inbound\.hmacSecret: required"):
        context.bind(generic_webhook.input)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_authorization() -> None:
    context = inbound_context(
        props(**{"auth.type": "BASIC", "auth.username": "hook", "auth.password": "pw-s3cret"})
    )
    assert send(generic_webhook, context, headers=basic("hook", "pw-s3cret")).status == 200
    wrong = send(generic_webhook, context, headers=basic("hook", "guess"))
    assert (wrong.status, wrong.body) == (
        401,
        {"reason": "Reason: INVALID_CREDENTIALS. Details: Basic auth header is invalid"},
    )
    missing = send(generic_webhook, context)
    assert missing.body == {
        "reason": "Reason: INVALID_CREDENTIALS. Details: Basic auth header is missing"
    }
    garbled = send(generic_webhook, context, headers={"Authorization": "Basic %%%"})
    assert garbled.status == 401
    assert len(context.correlations) == 1


def test_api_key_with_the_default_locator_and_a_custom_one() -> None:
    context = inbound_context(props(**{"auth.type": "APIKEY", "auth.apiKey": "k-s3cret"}))
    ok = send(generic_webhook, context, headers={"Authorization": "Bearer k-s3cret"})
    assert ok.status == 200
    wrong = send(generic_webhook, context, headers={"Authorization": "Bearer k-guess"})
    assert wrong.body == {"reason": "Reason: INVALID_CREDENTIALS. Details: API key is invalid"}
    custom = inbound_context(
        props(
            **{
                "auth.type": "APIKEY",
                "auth.apiKey": "k-s3cret",
                "auth.apiKeyLocator": "=request.headers.apikey",
            }
        )
    )
    assert send(generic_webhook, custom, headers={"apiKey": "k-s3cret"}).status == 200
    missing = send(generic_webhook, custom)
    assert missing.body == {"reason": "Reason: INVALID_CREDENTIALS. Details: API key is missing"}


def test_the_verification_expression_answers_without_correlating() -> None:
    expression = (
        "=if request.body.challenge != null then {body: {challenge: request.body.challenge},"
        ' headers: {"X-Verified": "yes"}} else null'
    )
    context = inbound_context(
        props(
            verificationExpression=expression,
            **{"auth.type": "BASIC", "auth.username": "u", "auth.password": "p"},
        )
    )
    answer = send(generic_webhook, context, body='{"challenge": "abc"}')
    assert (answer.status, answer.body, dict(answer.headers)) == (
        200,
        {"challenge": "abc"},
        {"X-Verified": "yes"},
    )
    assert context.correlations == []
    # any other request goes on to the checks
    assert send(generic_webhook, context, body='{"event": 1}').status == 401


def test_the_response_expression_shapes_the_answer_from_the_correlation() -> None:
    expression = (
        '={statusCode: 201, headers: {"Content-Type": "application/json"},'
        " body: {order: request.body.id, instance: correlation.processInstanceKey}}"
    )

    def created(variables: Any, message_id: str | None) -> CorrelationResult:
        return CorrelationResult(
            CorrelationOutcome.PROCESS_INSTANCE_CREATED, acknowledge=True, process_instance_key=99
        )

    context = inbound_context(props(responseExpression=expression), answer=created)
    answer = send(generic_webhook, context, body='{"id": "o-1"}')
    assert (answer.status, answer.body) == (201, {"order": "o-1", "instance": 99})
    assert dict(answer.headers) == {"Content-Type": "application/json"}


def test_a_text_response_body_is_html_escaped_unless_it_is_xml() -> None:
    context = inbound_context(props(responseExpression='={body: "<b>" + request.body.name}'))
    assert send(generic_webhook, context, body='{"name": "a&b"}').body == "&lt;b&gt;a&amp;b"
    xml = inbound_context(
        props(responseExpression='={body: "<ok/>", headers: {"content-type": "text/xml"}}')
    )
    assert send(generic_webhook, xml, body="{}").body == "<ok/>"


def test_a_failing_response_expression_is_422_naming_the_property() -> None:
    context = inbound_context(props(responseExpression="={statusCode: "))
    answer = send(generic_webhook, context, body="{}")
    assert answer.body == {"reason": "inbound.responseExpression: cannot be evaluated"}
    assert answer.status == 422


def unmatched(consume: bool) -> Answer:
    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        return CorrelationResult(
            CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET, acknowledge=consume
        )

    return answer


def test_an_unmatched_event_is_422_unless_the_element_consumes_it() -> None:
    refused = send(generic_webhook, inbound_context(props(), answer=unmatched(False)), body="{}")
    assert (refused.status, refused.body) == (422, {"message": "Activation condition not met"})
    expression = "={body: {correlated: correlation != null}}"
    consumed = inbound_context(props(responseExpression=expression), answer=unmatched(True))
    answer = send(generic_webhook, consumed, body="{}")
    assert (answer.status, answer.body) == (200, {"correlated": False})


def test_the_activation_condition_false_refuses_and_true_correlates() -> None:
    context = inbound_context(props(), activation=lambda v: v["request"]["body"].get("go") is True)
    assert send(generic_webhook, context, body='{"go": false}').status == 422
    assert send(generic_webhook, context, body='{"go": true}').status == 200
    outcomes = [c.result.outcome for c in context.correlations]
    assert outcomes == [
        CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET,
        CorrelationOutcome.MESSAGE_PUBLISHED,
    ]


@pytest.mark.parametrize(
    ("outcome", "retryable", "status"),
    [
        (CorrelationOutcome.ENGINE_ERROR, True, 503),
        (CorrelationOutcome.ENGINE_ERROR, False, 422),
        (CorrelationOutcome.INVALID_INPUT, False, 422),
        (CorrelationOutcome.OTHER, False, 500),
    ],
)
def test_a_failed_correlation_is_never_2xx(
    outcome: CorrelationOutcome, retryable: bool, status: int
) -> None:
    def failed(variables: Any, message_id: str | None) -> CorrelationResult:
        return CorrelationResult(outcome, acknowledge=False, retryable=retryable, message="down")

    answer = send(generic_webhook, inbound_context(props(), answer=failed), body="{}")
    assert (answer.status, answer.body) == (status, {"message": "down"})


def multipart(boundary: str, *parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    lines = b""
    for name, file_name, content_type, content in parts:
        disposition = f'form-data; name="{name}"'
        if file_name:
            disposition += f'; filename="{file_name}"'
        lines += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            lines += f"Content-Type: {content_type}\r\n".encode()
        lines += b"\r\n" + content + b"\r\n"
    return lines + f"--{boundary}--\r\n".encode()


def test_uploaded_files_become_documents_in_the_variables() -> None:
    pdf = b"%PDF-1.4 fake \x00\xff"
    body = multipart(
        "XyZ", ("note", None, None, b"rush"), ("invoice", "inv.pdf", "application/pdf", pdf)
    )
    context = inbound_context(props())
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    assert send(generic_webhook, context, body=body, headers=headers).status == 200
    variables = context.correlations[0].variables
    assert variables["request"]["body"] == {"note": "rush"}
    note, invoice = variables["documents"]
    assert invoice["camunda.document.type"] == "camunda"
    assert invoice["metadata"]["fileName"] == "inv.pdf"
    assert invoice["metadata"]["contentType"] == "application/pdf"
    assert context.documents.load(invoice).content == pdf
    assert context.documents.load(note).content == b"rush"


def test_no_documents_are_stored_for_an_event_the_element_does_not_take() -> None:
    body = multipart("b", ("f", "a.txt", "text/plain", b"x"))
    context = inbound_context(props(), activation=lambda v: False)
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    assert send(generic_webhook, context, body=body, headers=headers).status == 422
    assert context.correlations[0].variables["documents"] == []


def test_no_secret_reaches_an_answer_or_a_log_line(logs: pytest.LogCaptureFixture) -> None:
    secrets = {"hmac": SECRET, "password": "pw-XQ81", "key": "key-ZZ19"}
    contexts = [
        inbound_context(hmac_props()),
        inbound_context(
            props(**{"auth.type": "BASIC", "auth.username": "u", "auth.password": "pw-XQ81"})
        ),
        inbound_context(
            props(
                **{"auth.type": "APIKEY", "auth.apiKey": "key-ZZ19"},
                responseExpression='={body: "key-ZZ19" +}',
            )
        ),
    ]
    answers = []
    for context in contexts:
        for headers in ({}, {"Authorization": "Bearer nope", "X-Signature": "00"}):
            answers.append(send(generic_webhook, context, body="{}", headers=headers))
    answers.append(
        send(generic_webhook, contexts[2], body="{}", headers={"Authorization": "x key-ZZ19"})
    )
    assert {a.status for a in answers} == {401, 422}
    for secret in secrets.values():
        for context in contexts:
            assert_no_secret(secret, context, *answers, caplog=logs)
    assert json.dumps([a.body for a in answers])
