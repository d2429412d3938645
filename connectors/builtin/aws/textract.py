"""`io.camunda:aws-textract:1`, Camunda's AWS Textract connector (outbound): analyze a document
(`SYNC`: AnalyzeDocument, the document uploaded or in S3), start an analysis and wait for it
(`POLLING`: StartDocumentAnalysis, then GetDocumentAnalysis until done, every page), or only
start it (`ASYNC`: the job id, the answer written to S3 by Textract); results shaped as
Camunda's records (TextractConnectorFunction, SyncTextractCaller, PollingTextractCaller,
AsyncTextractCaller, TextractCaller, TextractRequestData, the `model.result` records; the
`documentReturnFormat` choice of templates v7+ as the connector's applyReturnFormat).
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorError, ConnectorInputError, connector
from connectorhub_sdk.types import FeelObject, FeelText, Flag, Text
from pydantic import BaseModel, ConfigDict

from . import base

# PollingTextractCaller: the first poll at once, then one a minute, 10 in all
POLL_DELAY = 60.0
POLL_ATTEMPTS = 10
MAX_RESULTS = 1000
# TextractCaller.prepareFeatureTypes: each flag and the FeatureType it asks for
FEATURES = (
    ("analyzeTables", "TABLES"),
    ("analyzeForms", "FORMS"),
    ("analyzeQueries", "QUERIES"),
    ("analyzeSignatures", "SIGNATURES"),
    ("analyzeLayout", "LAYOUT"),
)


class TextractData(BaseModel):
    """The `input` variable of every template version (Camunda's TextractRequestData)."""

    model_config = ConfigDict(extra="ignore")
    documentLocationType: Literal["UPLOADED", "S3"] | None = None  # v2+
    documentS3Bucket: Text | None = None
    documentName: Text | None = None
    documentVersion: Text | None = None
    document: FeelObject = None
    executionType: Literal["ASYNC", "SYNC", "POLLING"] | None = None
    analyzeTables: Flag = False
    analyzeForms: Flag = False
    analyzeSignatures: Flag = False
    analyzeLayout: Flag = False
    analyzeQueries: Flag = False  # v4+
    query: FeelText | None = None
    clientRequestToken: Text | None = None
    jobTag: Text | None = None
    kmsKeyId: Text | None = None
    notificationChannelRoleArn: Text | None = None
    notificationChannelSnsTopicArn: Text | None = None
    outputConfigS3Bucket: Text | None = None
    outputConfigS3Prefix: Text | None = None


class ReturnFormat(BaseModel):
    """The `documentReturnFormat` choice of templates v7+ (JSON or DOCUMENT)."""

    model_config = ConfigDict(extra="ignore")
    choice: Literal["JSON", "DOCUMENT"] | None = None


class TextractInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's Textract template."""

    input: TextractData
    documentReturnFormat: ReturnFormat | None = None


@connector(
    type="io.camunda:aws-textract:1",
    name="AWS Textract Connector",
    input=TextractInput,
    description="Extract text and data from documents with Amazon Textract; runs Camunda's "
    "official Textract templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-textract/",
)
def textract(data: TextractInput, context: ConnectorContext) -> JSON:
    """Run the chosen execution type; the result as JSON, or as a document (v7+'s choice)."""
    request = data.input
    kind = _execution_type(request)
    if kind == "ASYNC":
        _notification_pair(request)
    features = _features(request)
    queries = _queries(request)
    where = base.target(data, "textract", context)
    if kind == "SYNC":
        result = _analyze(where, request, features, queries, context)
    elif kind == "POLLING":
        result = _poll(where, request, features, queries, context)
    else:
        result = _start(where, request, features, queries, context)
    chosen = data.documentReturnFormat.choice if data.documentReturnFormat else None
    if chosen != "DOCUMENT":
        return result
    # the analysis as a JSON document; its reference is the result (applyReturnFormat)
    content = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()
    return context.documents.create(content, content_type="application/json").as_json()


def _execution_type(request: TextractData) -> str:
    """Templates v4-v6 bind no execution type for an uploaded document (their field shows for
    S3 only), which Camunda's connector refuses; an upload can only be analyzed synchronously,
    so SYNC is meant (v7+ send it)."""
    if request.executionType is not None:
        return request.executionType
    if request.documentLocationType == "UPLOADED":
        return "SYNC"
    raise ConnectorInputError("must not be null", field="input.executionType")


def _notification_pair(request: TextractData) -> None:
    role = (request.notificationChannelRoleArn or "").strip()
    topic = (request.notificationChannelSnsTopicArn or "").strip()
    if bool(role) != bool(topic):
        raise ConnectorInputError(
            "Either both notification values role ARN and topic ARN must be filled in or none "
            "of them.",
            field="input.notificationChannelSnsTopicArn"
            if role
            else "input.notificationChannelRoleArn",
        )


def _features(request: TextractData) -> list[str]:
    chosen = [name for field, name in FEATURES if getattr(request, field)]
    if not chosen:
        raise ConnectorInputError(
            "At least one analyze type should be selected", field="input.analyzeTables"
        )
    return chosen


def _queries(request: TextractData) -> dict[str, Any] | None:
    """A query is sent whenever one is given; asking for QUERIES needs one."""
    if request.query is not None:
        return {"Queries": [{"Text": request.query}]}
    if request.analyzeQueries:
        raise ConnectorInputError(
            "The 'query' field must be provided when 'analyzeQueries' is set to true.",
            field="input.query",
        )
    return None


def _s3_object(request: TextractData) -> dict[str, Any]:
    """TextractCaller.prepareS3Obj; a blank bucket or name is named (Textract would refuse)."""
    for field in ("documentS3Bucket", "documentName"):
        if not (getattr(request, field) or "").strip():
            raise ConnectorInputError("must not be blank", field=f"input.{field}")
    found = {"Bucket": request.documentS3Bucket, "Name": request.documentName}
    if request.documentVersion:
        found["Version"] = request.documentVersion
    return found


def _analyze(
    where: base.Target,
    request: TextractData,
    features: list[str],
    queries: dict[str, Any] | None,
    context: ConnectorContext,
) -> JSON:
    """SyncTextractCaller: the uploaded document's bytes when there is one, else the S3 object."""
    if request.document is not None:
        document = context.documents.load(request.document, field="input.document")
        source: dict[str, Any] = {"Bytes": document.content}
        summary = document.file_name or "an uploaded document"
    else:
        source = {"S3Object": _s3_object(request)}
        summary = f"s3://{request.documentS3Bucket}/{request.documentName}"
    params = _with_queries({"Document": source, "FeatureTypes": features}, queries)
    return analyze_result(base.call(where, "analyze_document", params, context, summary))


def _start_params(
    request: TextractData, features: list[str], queries: dict[str, Any] | None
) -> dict[str, Any]:
    location = {"S3Object": _s3_object(request)}
    return _with_queries({"DocumentLocation": location, "FeatureTypes": features}, queries)


def _poll(
    where: base.Target,
    request: TextractData,
    features: list[str],
    queries: dict[str, Any] | None,
    context: ConnectorContext,
) -> JSON:
    """PollingTextractCaller: start, wait for a terminal status, then read every page; the
    result is the last page's with every page's blocks (as Camunda merges them)."""
    params = _start_params(request, features, queries)
    summary = f"s3://{request.documentS3Bucket}/{request.documentName}"
    job = base.call(where, "start_document_analysis", params, context, summary)["JobId"]
    page = _finished(where, job, context)
    blocks = list(page.get("Blocks") or [])
    while page.get("NextToken"):
        more = {"JobId": job, "MaxResults": MAX_RESULTS, "NextToken": page["NextToken"]}
        page = base.call(where, "get_document_analysis", more, context, f"job {job}")
        blocks.extend(page.get("Blocks") or [])
    return analysis_result({**page, "Blocks": blocks})


def _finished(where: base.Target, job: str, context: ConnectorContext) -> dict[str, Any]:
    asked = {"JobId": job, "MaxResults": MAX_RESULTS}
    for attempt in range(POLL_ATTEMPTS):
        if attempt:
            _wait(job, context)
        page = base.call(where, "get_document_analysis", asked, context, f"job {job}")
        status = page.get("JobStatus")
        if status in ("SUCCEEDED", "PARTIAL_SUCCESS"):
            return page
        if status == "FAILED":
            raise ConnectorInputError(
                f"Textract polling job: job {job} FAILED: {page.get('StatusMessage')}"
            )
    raise ConnectorError(None, _too_long(job))


def _wait(job: str, context: ConnectorContext) -> None:
    """The next poll after POLL_DELAY, unless the run's time ends first."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= POLL_DELAY:
        raise ConnectorError(None, f"{_too_long(job)}; the run's time limit ends before that")
    time.sleep(POLL_DELAY)


def _too_long(job: str) -> str:
    return (
        f"Textract job {job} did not complete within the polling window ({POLL_ATTEMPTS} "
        f"attempts, PT{int(POLL_DELAY // 60)}M delay each)"
    )


def _start(
    where: base.Target,
    request: TextractData,
    features: list[str],
    queries: dict[str, Any] | None,
    context: ConnectorContext,
) -> JSON:
    """AsyncTextractCaller: only the job id; Textract writes the answer to the output bucket."""
    params = _start_params(request, features, queries)
    for field, name in (
        ("clientRequestToken", "ClientRequestToken"),
        ("jobTag", "JobTag"),
        ("kmsKeyId", "KMSKeyId"),
    ):
        if getattr(request, field) is not None:
            params[name] = getattr(request, field)
    if (request.notificationChannelRoleArn or "").strip():
        params["NotificationChannel"] = {
            "SNSTopicArn": request.notificationChannelSnsTopicArn,
            "RoleArn": request.notificationChannelRoleArn,
        }
    if (request.outputConfigS3Bucket or "").strip():
        output = {"S3Bucket": request.outputConfigS3Bucket}
        if request.outputConfigS3Prefix is not None:
            output["S3Prefix"] = request.outputConfigS3Prefix
        params["OutputConfig"] = output
    summary = f"s3://{request.documentS3Bucket}/{request.documentName}"
    answer = base.call(where, "start_document_analysis", params, context, summary)
    return {**base.sdk_metadata(answer), "jobId": answer.get("JobId")}


def _with_queries(params: dict[str, Any], queries: dict[str, Any] | None) -> dict[str, Any]:
    return params if queries is None else {**params, "QueriesConfig": queries}


# Camunda's result records (`model.result`): AWS's members in camelCase, in the records' order;
# absent lists are null, as the AWS SDK v1's were


def analyze_result(answer: dict[str, Any]) -> JSON:
    """AnalyzeDocumentResult."""
    return {
        **base.sdk_metadata(answer),
        "documentMetadata": _metadata(answer.get("DocumentMetadata")),
        "blocks": _blocks(answer.get("Blocks")),
        "humanLoopActivationOutput": _human_loop(answer.get("HumanLoopActivationOutput")),
        "analyzeDocumentModelVersion": answer.get("AnalyzeDocumentModelVersion"),
    }


def analysis_result(answer: dict[str, Any]) -> JSON:
    """GetDocumentAnalysisResult."""
    warnings = answer.get("Warnings")
    return {
        **base.sdk_metadata(answer),
        "documentMetadata": _metadata(answer.get("DocumentMetadata")),
        "jobStatus": answer.get("JobStatus"),
        "nextToken": answer.get("NextToken"),
        "blocks": _blocks(answer.get("Blocks")),
        "warnings": None
        if warnings is None
        else [{"errorCode": w.get("ErrorCode"), "pages": w.get("Pages")} for w in warnings],
        "statusMessage": answer.get("StatusMessage"),
        "analyzeDocumentModelVersion": answer.get("AnalyzeDocumentModelVersion"),
    }


def _metadata(value: dict[str, Any] | None) -> JSON:
    return None if value is None else {"pages": value.get("Pages")}


def _human_loop(value: dict[str, Any] | None) -> JSON:
    if value is None:
        return None
    results = value.get("HumanLoopActivationConditionsEvaluationResults")
    if results is not None and not isinstance(results, str):
        # botocore parses this JSON-valued member; the Java SDK keeps it as text
        results = json.dumps(results, separators=(",", ":"))
    return {
        "humanLoopArn": value.get("HumanLoopArn"),
        "humanLoopActivationReasons": value.get("HumanLoopActivationReasons"),
        "humanLoopActivationConditionsEvaluationResults": results,
    }


def _blocks(blocks: list[dict[str, Any]] | None) -> JSON:
    """Block.from for each block."""
    if blocks is None:
        return None
    return [_block(block) for block in blocks]


def _block(block: dict[str, Any]) -> JSON:
    geometry, query = block.get("Geometry"), block.get("Query")
    relationships = block.get("Relationships")
    return {
        "blockType": block.get("BlockType"),
        "confidence": block.get("Confidence"),
        "text": block.get("Text"),
        "textType": block.get("TextType"),
        "rowIndex": block.get("RowIndex"),
        "columnIndex": block.get("ColumnIndex"),
        "rowSpan": block.get("RowSpan"),
        "columnSpan": block.get("ColumnSpan"),
        "geometry": None if geometry is None else _geometry(geometry),
        "id": block.get("Id"),
        "relationships": None
        if relationships is None
        else [{"type": r.get("Type"), "ids": r.get("Ids")} for r in relationships],
        "entityTypes": block.get("EntityTypes"),
        "selectionStatus": block.get("SelectionStatus"),
        "page": block.get("Page"),
        "query": None
        if query is None
        else {"text": query.get("Text"), "alias": query.get("Alias"), "pages": query.get("Pages")},
    }


def _geometry(geometry: dict[str, Any]) -> JSON:
    box, polygon = geometry.get("BoundingBox"), geometry.get("Polygon")
    return {
        "boundingBox": None
        if box is None
        else {name.lower(): box.get(name) for name in ("Width", "Height", "Left", "Top")},
        "polygon": None
        if polygon is None
        else [{"x": p.get("X"), "y": p.get("Y")} for p in polygon],
    }
