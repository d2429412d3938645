"""`io.camunda:aws-bedrock:1`, Camunda's AWS Bedrock connector (outbound): invoke a model with a
JSON payload (`invokeModel`: InvokeModel, result `{body}`), or continue a conversation with new
text and documents (`converse`: Converse, result the whole conversation)
(BedrockConnectorFunction, BedrockRequest, InvokeModelData, ConverseData, MessageMapper,
BedrockContentMapper, DocumentMapper, FileUtil).
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any, Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.documents import Document
from connectorhub_sdk.types import FeelObject, FeelText, OptionalInt
from pydantic import BaseModel, ConfigDict

from . import base, errors

# The AWS SDK's ImageFormat and DocumentFormat values, matched against a file's extension as
# written (DocumentMapper)
IMAGE_FORMATS = ("png", "jpeg", "gif", "webp")
DOCUMENT_FORMATS = ("pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md")
MAX_TOKENS = 512  # ConverseData's default
# Templates v4-v6 compose `data.newDocuments` from these fields under names without their
# `data.` prefix, so the document is always null there in Camunda; this hub reads them
SINGLE = "data_newDocuments_single_"


class BedrockData(BaseModel):
    """The `data` variable of every template version; `action` picks the fields read."""

    model_config = ConfigDict(extra="allow")
    modelId: FeelText | None = None
    payload: Any = None  # Camunda's `Object payload`: written as JSON whatever it holds
    messagesHistory: FeelObject = None
    newMessage: FeelText | None = None
    nextMessage: FeelText | None = None  # v1's name for it
    maxTokens: OptionalInt = MAX_TOKENS
    temperature: float | None = None
    topP: float | None = None
    newDocuments: FeelObject = None


class BedrockInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's Bedrock template."""

    action: Literal["invokeModel", "converse"] = "invokeModel"
    data: BedrockData


@connector(
    type="io.camunda:aws-bedrock:1",
    name="AWS Bedrock Connector",
    input=BedrockInput,
    description="Invoke an Amazon Bedrock model or converse with it; runs Camunda's official "
    "Bedrock templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-bedrock/",
)
def bedrock(data: BedrockInput, context: ConnectorContext) -> JSON:
    """Run the chosen action and return Camunda's result for it."""
    request = data.data
    model = request.modelId
    if model is None or not model.strip():
        raise ConnectorInputError("must not be null", field="data.modelId")
    if data.action == "invokeModel":
        if request.payload is None:
            raise ConnectorInputError("must not be null", field="data.payload")
        where = base.target(data, "bedrock-runtime", context)
        return invoke(where, model, request.payload, context)
    text = request.newMessage if request.newMessage is not None else request.nextMessage
    if text is None or not text.strip():
        raise ConnectorInputError("must not be blank", field="data.newMessage")
    history = _history(request.messagesHistory)
    history.append({"role": "user", "contentList": [*_new_documents(request), {"text": text}]})
    params: dict[str, Any] = {
        "modelId": model,
        "messages": [_message(message, context) for message in history],
        "inferenceConfig": _without_none(
            {
                "maxTokens": request.maxTokens,
                "temperature": request.temperature,
                "topP": request.topP,
            }
        ),
    }
    where = base.target(data, "bedrock-runtime", context)
    answer = base.call(where, "converse", params, context, model)
    return conversation(history, answer)


def invoke(where: base.Target, model: str, payload: Any, context: ConnectorContext) -> JSON:
    """InvokeModelData.execute: the payload as JSON text, the answer parsed as JSON."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))  # compact, as Jackson
    params = {"modelId": model, "body": body.encode()}
    answer = base.call(where, "invoke_model", params, context, model)
    raw: bytes = answer.get("body") or b""
    try:
        return {"body": json.loads(raw)}
    except ValueError as exc:
        # Jackson's JsonProcessingException, rethrown with its original message
        raise errors.AwsError("java.lang.RuntimeException", str(exc)) from None


def conversation(history: list[dict[str, Any]], answer: dict[str, Any]) -> JSON:
    """The history with the model's reply appended (its text blocks), as ConverseData returns
    it: `[{role, contentList: [{text} | {document}]}]`."""
    reply = answer.get("output", {}).get("message", {})
    blocks = reply.get("content") or []
    # a block that is not text (a tool use, an image) is an empty content, as in Camunda
    texts = [{"text": block["text"]} if "text" in block else {} for block in blocks]
    return [*history, {"role": reply.get("role"), "contentList": texts}]


def _history(value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise ConnectorInputError(
            'must be a list of messages like {role: "user", contentList: [{text: "…"}]}',
            field="data.messagesHistory",
        )
    return [dict(message) for message in value]


def _new_documents(request: BedrockData) -> list[dict[str, Any]]:
    documents = request.newDocuments
    if documents is None:
        documents = _composed(request.model_extra or {})
    if documents in (None, ""):
        return []
    if not isinstance(documents, list):
        raise ConnectorInputError("must be a list of documents", field="data.newDocuments")
    return [{"document": document} for document in documents]


def _composed(fields: dict[str, Any]) -> list[Any] | None:
    """What the v4+ templates' composer builds from the document fields."""
    mode = fields.get("data_newDocuments_documentMode")
    if mode == "multiple":
        found = fields.get("data_newDocuments_multiple_expression")
        return found if isinstance(found, list) else None
    if mode != "single":
        return None
    source = fields.get(f"{SINGLE}documentSource")
    if source == "camunda":
        return [fields.get(f"{SINGLE}camundaReference")]
    if source == "inline":
        return [{
            "camunda.document.type": "inline",
            "content": fields.get(f"{SINGLE}inline_content"),
            "name": fields.get(f"{SINGLE}inline_fileName"),
            "contentType": fields.get(f"{SINGLE}inline_contentType"),
        }]  # fmt: skip
    if source == "external":
        return [{
            "camunda.document.type": "external",
            "url": fields.get(f"{SINGLE}external_url"),
            "name": fields.get(f"{SINGLE}external_fileName"),
        }]  # fmt: skip
    return None


def _message(message: dict[str, Any], context: ConnectorContext) -> dict[str, Any]:
    """MessageMapper.mapToMessage: text stays text, a document becomes an image or document
    block by its file type."""
    blocks = []
    for content in message.get("contentList") or []:
        if content.get("text") is not None:
            blocks.append({"text": content["text"]})
            continue
        document = context.documents.load(content.get("document"), field="data.newDocuments")
        blocks.append(_file_block(document))
    return {"role": message.get("role"), "content": blocks}


def _file_block(document: Document) -> dict[str, Any]:
    """DocumentMapper.mapToFileBlock: the type is the file name's extension, else the content
    type's usual one."""
    file_name = document.file_name or ""
    name, dot, kind = file_name.rpartition(".")
    if not dot:
        name, kind = file_name, ""
    if not kind:
        guessed = mimetypes.guess_extension(document.content_type or "") or ""
        kind = guessed.lstrip(".")
        if not kind:
            raise ConnectorInputError(
                f"Unsupported document content type: {document.content_type}",
                field="data.newDocuments",
            )
    if kind in IMAGE_FORMATS:
        return {"image": {"format": kind, "source": {"bytes": document.content}}}
    if kind in DOCUMENT_FORMATS:
        return {"document": {"format": kind, "name": name, "source": {"bytes": document.content}}}
    raise ConnectorInputError(f"Unsupported document type: {name}", field="data.newDocuments")


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
