"""The Bedrock connector: every version of Camunda's template binds (corpus) for both actions;
`invokeModel` (InvokeModel) runs on moto, which answers every model with `{}`. moto 5.2.5 does
not implement Converse: the conversation's request (history, new documents read from the hub's
document store, inference settings) is built and sent, moto answers 500, and the result's shape
is checked on an answer as AWS documents it (docs/aws-connectors.md, "Cannot be tested here")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input
from connectorhub_sdk.documents import DocumentCreationRequest, InMemoryDocumentStore

from connectors.builtin.aws.bedrock import BedrockInput, bedrock, conversation
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.aws.conftest import all_versions, aws_values, secrets_of, with_endpoint
from tests.builtin.conftest import LOCAL_ONLY, result_of, values_for
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

BEDROCK = ("aws-bedrock-outbound-connector.json", "io.camunda.connectors.aws.bedrock.v1", 8)
VERSIONS = [t for t in all_versions(BEDROCK) if t.id == BEDROCK[1]]
CASES = [(t, action) for t in VERSIONS for action in ("invokeModel", "converse")]
MODEL = "amazon.titan-text-express-v1"
REFERENCE = {"camunda.document.type": "camunda", "storeId": "in-memory", "documentId": "d-1",
             "metadata": {"contentType": "application/pdf", "fileName": "offer.pdf"}}  # fmt: skip


def _bindings(tpl: ElementTemplate) -> set[str]:
    return {p.binding.name for p in tpl.properties if p.binding.name}


def _converse_values(tpl: ElementTemplate) -> dict[str, Any]:
    """A new message with the process variable `doc` attached, as each version takes them."""
    names = _bindings(tpl)
    if "data.nextMessage" in names:  # v1
        return {"data.nextMessage": "Summarize the offer"}
    values = {"data.newMessage": "Summarize the offer", "data.maxTokens": "=200",
              "data.temperature": "=0.2"}  # fmt: skip
    if "data.data_newDocuments_documentMode" in names:  # v4+
        return {**values, "data.data_newDocuments_documentMode": "single",
                "data.data_newDocuments_single_documentSource": "camunda",
                "data.data_newDocuments_single_camundaReference": "=doc"}  # fmt: skip
    return {**values, "data.newDocuments": "=[doc]"}


@pytest.mark.parametrize(("tpl", "action"), CASES, ids=[f"v{t.version}-{a}" for t, a in CASES])
def test_every_version_builds_a_job_the_connector_binds(tpl: ElementTemplate, action: str) -> None:
    values = {
        "authentication.type": "credentials",
        "authentication.accessKey": "AKIAEXAMPLE",
        "authentication.secretKey": "secret-example",
        "configuration.region": "eu-central-1",
        "action": action,
        "data.modelId": MODEL,
        "data.payload": '={"inputText": "Hello"}',
    }
    if action == "converse":
        values.update(_converse_values(tpl))
    job = build_job(tpl, values_for(tpl, values), {"doc": REFERENCE})
    assert not job.errors, job.errors
    assert job.type == bedrock.type
    bound = bind_input(bedrock, job.variables)
    assert isinstance(bound, BedrockInput) and bound.action == action
    assert bound.data.modelId == MODEL
    if action == "invokeModel":
        assert bound.data.payload == {"inputText": "Hello"} and bound.data.newMessage is None
        return
    assert bound.data.payload is None
    if tpl.version == 1:
        assert bound.data.nextMessage == "Summarize the offer"
        return
    assert (bound.data.newMessage, bound.data.maxTokens, bound.data.temperature) == (
        "Summarize the offer", 200, 0.2
    )  # fmt: skip
    if tpl.version in (2, 3) or tpl.version >= 7:
        assert bound.data.newDocuments == [REFERENCE]
    else:  # v4-v6 compose it from names they do not bind (null in Camunda): read from those
        assert bound.data.newDocuments is None
        extra = bound.data.model_extra or {}
        assert extra["data_newDocuments_single_camundaReference"] == REFERENCE


def run(
    moto: Moto, values: dict[str, Any], *, store: InMemoryDocumentStore | None = None, **vars: Any
) -> Outcome:
    tpl = with_endpoint(BEDROCK)
    job = build_job(tpl, values_for(tpl, {**aws_values(moto), **values}), vars)
    assert not job.errors, job.errors
    return run_job(
        JobRequest(type=str(job.type), variables=job.variables, headers=job.headers, retries=3),
        secrets=MappingSecretProvider(secrets_of(moto)),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
        document_store=store if store is not None else InMemoryDocumentStore(),
    )


def test_a_model_is_invoked_with_the_payload(moto: Moto) -> None:
    outcome = run(moto, {
        "action": "invokeModel", "data.modelId": MODEL,
        "data.payload": '={"inputText": "Grüße", "textGenerationConfig": {"maxTokenCount": 50}}',
    })  # fmt: skip

    assert result_of(outcome) == {"body": {}}  # moto's answer for every model
    (exchange,) = outcome.trace.exchanges
    assert exchange["summary"] == f"Bedrock Runtime InvokeModel · {MODEL}"
    sent = json.loads(exchange["request_body"])
    assert sent["body"] == '{"inputText":"Grüße","textGenerationConfig":{"maxTokenCount":50}}'
    assert sent["modelId"] == MODEL


def test_a_conversation_is_sent_with_its_history_and_documents(moto: Moto) -> None:
    """moto does not implement Converse: the request goes out, moto answers 500."""
    store = InMemoryDocumentStore()
    notes = store.create(DocumentCreationRequest(
        content=b"Offer: 42 chairs", content_type="text/plain", file_name="offer.txt",
    )).as_json()  # fmt: skip
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300  # not text: shown as its size
    image = store.create(DocumentCreationRequest(
        content=png, content_type="image/png", file_name="chart.png",
    )).as_json()  # fmt: skip
    history = [
        {"role": "user", "contentList": [{"text": "Hi"}]},
        {"role": "assistant", "contentList": [{"text": "Hello, how can I help?"}]},
    ]
    outcome = run(moto, {
        "action": "converse", "data.modelId": MODEL, "data.messagesHistory": "=history",
        "data.newMessage": "Summarize the offer", "data.maxTokens": "=200",
        "data.data_newDocuments_documentMode": "multiple",
        "data.data_newDocuments_multiple_expression": "=[doc, image]",
    }, store=store, history=history, doc=notes, image=image)  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == (
        "software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException"
    )
    assert "(Service: BedrockRuntime, Status Code: 500" in error["message"]
    sent = json.loads(outcome.trace.exchanges[0]["request_body"])
    assert sent["inferenceConfig"] == {"maxTokens": 200}
    assert sent["messages"] == [
        {"role": "user", "content": [{"text": "Hi"}]},
        {"role": "assistant", "content": [{"text": "Hello, how can I help?"}]},
        {"role": "user", "content": [
            {"document": {"format": "txt", "name": "offer",
                          "source": {"bytes": "Offer: 42 chairs"}}},
            {"image": {"format": "png", "source": {"bytes": f"<{len(png)} bytes>"}}},
            {"text": "Summarize the offer"},
        ]},
    ]  # fmt: skip


def test_a_conversation_result_has_camundas_shape() -> None:
    history = [{"role": "user", "contentList": [{"document": REFERENCE}, {"text": "Summarize"}]}]
    tool = {"toolUse": {"toolUseId": "t-1", "name": "count", "input": {}}}
    answer = {"output": {"message": {"role": "assistant",
                                     "content": [{"text": "42 chairs."}, tool]}},
              "stopReason": "end_turn"}  # fmt: skip
    assert conversation(history, answer) == [
        {"role": "user", "contentList": [{"document": REFERENCE}, {"text": "Summarize"}]},
        {"role": "assistant", "contentList": [{"text": "42 chairs."}, {}]},  # text blocks only
    ]


def test_bad_input_names_the_field(moto: Moto) -> None:
    store = InMemoryDocumentStore()
    scan = store.create(DocumentCreationRequest(
        content=b"II*\0", content_type="image/tiff", file_name="scan.tiff",
    )).as_json()  # fmt: skip
    converse = {"action": "converse", "data.modelId": MODEL}
    cases = [
        ({**converse, "data.newMessage": '=" "'}, "data.newMessage: must not be blank"),
        ({**converse, "data.newMessage": "Read it",
          "data.data_newDocuments_documentMode": "multiple",
          "data.data_newDocuments_multiple_expression": "=[doc]"},
         "data.newDocuments: Unsupported document type: scan"),
        ({"action": "invokeModel", "data.modelId": '=" "', "data.payload": "={}"},
         "data.modelId: must not be null"),
    ]  # fmt: skip
    for values, message in cases:
        outcome = run(moto, values, store=store, doc=scan)
        assert outcome.kind == "failed" and outcome.retries == 0, values
        assert outcome.message.startswith(message), outcome.message
