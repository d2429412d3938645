"""`io.camunda:aws-comprehend:1`, Camunda's AWS Comprehend connector (outbound): classify a text
with a custom classifier endpoint (`sync`: ClassifyDocument) or start a document
classification job over S3 (`async`: StartDocumentClassificationJob); results shaped as
Camunda's v1-style records (ComprehendConnectorFunction, SyncComprehendCaller,
AsyncComprehendCaller, ComprehendSyncRequestData, ComprehendAsyncRequestData,
ComprehendClassifyResult, ComprehendClassificationJobResult).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.types import FeelText, FeelTextMap, Flag, Text, feel_object
from pydantic import BaseModel, BeforeValidator, ConfigDict

from . import base

# FeatureType values Comprehend's Textract reading takes (Camunda adds FORMS before TABLES)
FEATURES = (("featureTypeForms", "FORMS"), ("featureTypeTables", "TABLES"))
TextList = Annotated[list[str] | None, BeforeValidator(feel_object)]


class ComprehendData(BaseModel):
    """The `input` variable of every template version: `type` picks the fields read."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["sync", "async"]
    # sync
    text: FeelText | None = None
    endpointArn: Text | None = None
    # async
    documentReadMode: Literal["SERVICE_DEFAULT", "FORCE_DOCUMENT_READ_ACTION", "NO_DATA"] = (
        "SERVICE_DEFAULT"
    )
    documentReadAction: Literal[
        "TEXTRACT_DETECT_DOCUMENT_TEXT", "TEXTRACT_ANALYZE_DOCUMENT", "NO_DATA"
    ] = "TEXTRACT_DETECT_DOCUMENT_TEXT"
    featureTypeTables: Flag = False
    featureTypeForms: Flag = False
    inputS3Uri: Text | None = None
    comprehendInputFormat: Literal["ONE_DOC_PER_FILE", "ONE_DOC_PER_LINE", "NO_DATA"] | None = None
    clientRequestToken: Text | None = None
    dataAccessRoleArn: Text | None = None
    documentClassifierArn: Text | None = None
    flywheelArn: Text | None = None
    jobName: Text | None = None
    outputS3Uri: Text | None = None
    outputKmsKeyId: Text | None = None
    tags: FeelTextMap = None
    volumeKmsKeyId: Text | None = None
    securityGroupIds: TextList = None
    subnets: TextList = None


class ComprehendInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's Comprehend template."""

    input: ComprehendData


@connector(
    type="io.camunda:aws-comprehend:1",
    name="AWS Comprehend Connector",
    input=ComprehendInput,
    description="Classify text with an Amazon Comprehend classifier endpoint, or start a "
    "document classification job; runs Camunda's official Comprehend templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-comprehend/",
)
def comprehend(data: ComprehendInput, context: ConnectorContext) -> JSON:
    """Run the chosen execution type and return Camunda's result for it."""
    request = data.input
    if request.type == "sync":
        params = {
            "Text": _required(request.text, "input.text"),
            "EndpointArn": _required(request.endpointArn, "input.endpointArn"),
        }
        where = base.target(data, "comprehend", context)
        answer = base.call(where, "classify_document", params, context, params["EndpointArn"])
        return classify_result(answer)
    params = job_request(request)
    where = base.target(data, "comprehend", context)
    summary = str(params.get("DocumentClassifierArn") or params.get("FlywheelArn") or "")
    answer = base.call(where, "start_document_classification_job", params, context, summary)
    return {
        **base.sdk_metadata(answer),
        "jobId": answer.get("JobId"),
        "jobArn": answer.get("JobArn"),
        "jobStatus": answer.get("JobStatus"),
        "documentClassifierArn": answer.get("DocumentClassifierArn"),
    }


def job_request(request: ComprehendData) -> dict[str, Any]:
    """StartDocumentClassificationJob's parameters as AsyncComprehendCaller builds them: blank
    optional texts are left out, NO_DATA choices send nothing."""
    input_config: dict[str, Any] = {"S3Uri": _required(request.inputS3Uri, "input.inputS3Uri")}
    reader = _reader(request)
    if reader is not None:
        input_config["DocumentReaderConfig"] = reader
    if request.comprehendInputFormat not in (None, "NO_DATA"):
        input_config["InputFormat"] = request.comprehendInputFormat
    output: dict[str, Any] = {"S3Uri": _required(request.outputS3Uri, "input.outputS3Uri")}
    if _given(request.outputKmsKeyId):
        output["KmsKeyId"] = request.outputKmsKeyId
    params: dict[str, Any] = {
        "DataAccessRoleArn": _required(request.dataAccessRoleArn, "input.dataAccessRoleArn"),
        "InputDataConfig": input_config,
        "OutputDataConfig": output,
    }
    for field, name in (
        ("clientRequestToken", "ClientRequestToken"),
        ("documentClassifierArn", "DocumentClassifierArn"),
        ("flywheelArn", "FlywheelArn"),
        ("jobName", "JobName"),
        ("volumeKmsKeyId", "VolumeKmsKeyId"),
    ):
        if _given(getattr(request, field)):
            params[name] = getattr(request, field)
    if request.tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in request.tags.items()]
    vpc = _vpc(request)
    if vpc is not None:
        params["VpcConfig"] = vpc
    return params


def _reader(request: ComprehendData) -> dict[str, Any] | None:
    if request.documentReadAction == "NO_DATA":
        return None
    reader: dict[str, Any] = {"DocumentReadAction": request.documentReadAction}
    if request.documentReadMode != "NO_DATA":
        reader["DocumentReadMode"] = request.documentReadMode
    if request.documentReadAction == "TEXTRACT_ANALYZE_DOCUMENT":
        features = [name for field, name in FEATURES if getattr(request, field)]
        if not features:
            raise ConnectorInputError(
                "If you chose TEXTRACT_ANALYZE_DOCUMENT as the read action, you must specify "
                "one feature types (analyze tables or analyze forms)",
                field="input.featureTypeTables",
            )
        reader["FeatureTypes"] = features
    return reader


def _vpc(request: ComprehendData) -> dict[str, Any] | None:
    groups, subnets = request.securityGroupIds or [], request.subnets or []
    if not groups and not subnets:
        return None
    if not groups or not subnets:
        raise ConnectorInputError(
            "Or both VpcConfig fields SecurityGroupIds and Subnets or none",
            field="input.securityGroupIds" if not groups else "input.subnets",
        )
    return {"SecurityGroupIds": groups, "Subnets": subnets}


def classify_result(answer: dict[str, Any]) -> JSON:
    """ComprehendClassifyResult: absent lists are null, as the v1 SDK's were."""
    meta = answer.get("DocumentMetadata")
    return {
        **base.sdk_metadata(answer),
        "classes": _each(answer.get("Classes"), ("Name", "Score", "Page")),
        "labels": _each(answer.get("Labels"), ("Name", "Score", "Page")),
        "documentMetadata": None
        if meta is None
        else {
            "pages": meta.get("Pages"),
            "extractedCharacters": _each(meta.get("ExtractedCharacters"), ("Page", "Count")),
        },
        "documentType": _each(answer.get("DocumentType"), ("Page", "Type")),
        "errors": _each(answer.get("Errors"), ("Page", "ErrorCode", "ErrorMessage")),
        "warnings": _each(answer.get("Warnings"), ("Page", "WarnCode", "WarnMessage")),
    }


def _each(items: list[dict[str, Any]] | None, names: tuple[str, ...]) -> JSON:
    """AWS's members NAMES of each item, camelCase, in Camunda's order."""
    if items is None:
        return None
    return [{name[0].lower() + name[1:]: item.get(name) for name in names} for item in items]


def _required(value: str | None, field: str) -> str:
    if value is None:
        raise ConnectorInputError("must not be null", field=field)
    return value


def _given(value: str | None) -> bool:
    return bool((value or "").strip())
