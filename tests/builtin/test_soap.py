"""SOAP through the official templates (v1, v2) against a local SOAP service."""

from __future__ import annotations

import base64
import hashlib

import pytest

from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import SOAP_FILE, SOAP_ID, result_of, run_template, template
from tests.services.http_servers import SOAP11, SOAP12, Recorded, Reply, soap_endpoint

V2 = template(SOAP_FILE, SOAP_ID, 2)


@pytest.fixture
def soap(server):
    soap_endpoint(server)
    return server


def add_values(server, **extra):
    return {
        "serviceUrl": f"{server.url}/soap",
        "soapVersion.version": "1.1",
        "soapVersion.soapAction": "urn:calc#Add",
        "body.type": "json",
        "body.json": '={"c:Add": {"c:a": 2, "c:b": 3}}',
        "namespaces": '={"c": "urn:calc"}',
        "resultVariable": "result",
        **extra,
    }


@pytest.mark.parametrize("version", [1, 2])
def test_json_body_soap_11(soap, version):
    tpl = template(SOAP_FILE, SOAP_ID, version)
    result = result_of(run_template(tpl, add_values(soap)))
    assert result == {"Envelope": {"Header": {}, "Body": {"AddResponse": {"Result": "5"}}}}
    request = soap.last("/soap")
    assert request.header("Content-Type") == "text/xml; charset=utf-8"
    assert request.header("SOAPAction") == '"urn:calc#Add"'
    body = request.body.decode()
    assert f'xmlns:SOAP-ENV="{SOAP11}"' in body
    assert 'xmlns:wsse="http://docs.oasis-open.org/wss/' in body
    assert "<c:Add><c:a>2</c:a><c:b>3</c:b></c:Add>" in body


def test_template_body_soap_12_with_header(soap):
    outcome = run_template(
        V2,
        add_values(
            soap,
            **{
                "soapVersion.version": "1.2",
                "body.type": "template",
                "body.template": "<c:Add><c:a>{{a}}</c:a><c:b>{{b}}</c:b></c:Add>",
                "body.context": '={"a": 40, "b": 2}',
                "header.type": "template",
                "header.template": "<c:Trace>{{id}}</c:Trace>",
                "header.context": '={"id": "a<b"}',
            },
        ),
    )
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "42"
    request = soap.last("/soap")
    # the template offers a SOAP action for 1.1 only
    assert request.header("Content-Type") == "application/soap+xml; charset=utf-8"
    assert request.header("SOAPAction") is None
    body = request.body.decode()
    assert f'xmlns:env="{SOAP12}"' in body
    assert "<env:Header><c:Trace>a&lt;b</c:Trace></env:Header>" in body


def test_json_to_xml_attributes_content_lists_and_escaping(soap):
    body = (
        '={"c:Echo": {"@id": "7", "c:Item": ["x", "y & z"], '
        '"c:Note": {"@lang": "en", "$content": "hi"}}}'
    )
    outcome = run_template(V2, add_values(soap, **{"body.json": body}))
    result = result_of(outcome)
    assert result["Envelope"]["Body"]["EchoResponse"] == {
        "kind": "echo", "Operation": "Echo", "Name": ["Item", "Item", "Note"],
    }  # fmt: skip
    sent = soap.last("/soap").body.decode()
    assert '<c:Echo id="7"><c:Item>x</c:Item><c:Item>y &amp; z</c:Item>' in sent
    assert '<c:Note lang="en">hi</c:Note>' in sent


@pytest.mark.parametrize("encoded", ["No", "Yes"])
def test_username_token(soap, encoded):
    values = add_values(
        soap,
        **{
            "authentication.authentication": "usernameToken",
            "authentication.username": "ada",
            "authentication.password": "{{secrets.SOAP_PW}}",
            "authentication.encoded": encoded,
        },
    )
    outcome = run_template(V2, values, secrets={"SOAP_PW": "pw-123"})
    result_of(outcome)
    sent = soap.last("/soap").body.decode()
    assert "<wsse:Username>ada</wsse:Username>" in sent
    if encoded == "No":
        assert '#PasswordText">pw-123</wsse:Password>' in sent
    else:
        nonce = base64.b64decode(sent.split('Base64Binary">')[1].split("<")[0])
        created = sent.split("<wsu:Created>")[1].split("<")[0]
        digest = base64.b64encode(
            hashlib.sha1(nonce + created.encode() + b"pw-123").digest()
        ).decode()
        assert f'#PasswordDigest">{digest}</wsse:Password>' in sent
        assert "pw-123" not in sent
    assert "pw-123" not in str(StoredOutcome.from_outcome(outcome).dump())  # the trace is redacted


def test_a_fault_is_a_coded_error_for_error_expressions(soap):
    outcome = run_template(
        V2,
        add_values(
            soap,
            **{
                "body.json": '={"c:Fail": {}}',
                "errorExpression": '=if error.code = "SOAP_FAULT_RECEIVED" then bpmnError("NO",'
                " error.variables.response.Envelope.Body.Fault.faultstring) else null",
            },
        ),
    )
    assert outcome.kind == "bpmn_error"
    assert (outcome.code, outcome.message) == ("NO", "Computer says no")


def test_a_fault_without_mapping_fails_with_the_fault(soap):
    outcome = run_template(V2, add_values(soap, **{"body.json": '={"c:Fail": {}}'}))
    assert outcome.kind == "failed"
    assert outcome.code == "SOAP_FAULT_RECEIVED"
    fault = outcome.variables["error"]["variables"]["response"]["Envelope"]["Body"]["Fault"]
    assert fault["faultcode"] == "soap:Server"


def test_an_http_error_without_a_soap_body(server):
    server.route("/soap", Reply(status=404, body="not here"))
    outcome = run_template(V2, add_values(server))
    assert outcome.kind == "failed"
    assert outcome.code is None
    assert "HTTP 404 Not Found" in outcome.message
    assert "not a SOAP message" in outcome.message


def test_a_response_with_a_doctype_is_refused(server):
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    server.route("/soap", Reply(headers=[("Content-Type", "text/xml")], body=evil))
    outcome = run_template(V2, add_values(server))
    assert outcome.kind == "failed"
    assert "DOCTYPE" in outcome.message


def test_bad_input(soap):
    undeclared = run_template(V2, add_values(soap, **{"namespaces": None}))
    assert undeclared.retries == 0
    assert "not well-formed XML (unbound prefix" in undeclared.message
    broken = run_template(
        V2,
        add_values(soap, **{"body.type": "template", "body.template": "<a>{{#x}}</a>"}),
    )
    assert "body.template: the section {{#x}} is never closed" in broken.message
    unsigned = run_template(V2, add_values(soap, **{"authentication.authentication": "signature"}))
    assert "Property: authentication.certificate: Validation failed" in unsigned.message
    assert "certificateType" in unsigned.message
    assert "'single', 'keystore'" in unsigned.message
    assert soap.requests == []


def test_the_read_timeout(server):
    def slow(request: Recorded) -> Reply:
        return Reply(body="<x/>", delay=2.0)

    server.route("/soap", slow)
    outcome = run_template(V2, add_values(server, connectionTimeoutInSeconds=1))
    assert outcome.code == "408"
