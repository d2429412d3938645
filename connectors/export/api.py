"""Export over REST: one template version, a bundle, and ready BPMN files."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.api.parsers import query_choice
from connectors.catalogue.addresses import VersionSegment
from connectors.catalogue.selectors import get_entry, get_version
from connectors.configure import check
from connectors.configure.selectors import configuration_version, get_configuration
from connectors.elementtemplates import ElementTemplate
from connectors.export import (
    BpmnExportError,
    ExportResult,
    Selection,
    download_name,
    export_selection,
    export_version,
    to_json,
    to_zip,
)
from connectors.export.bundle import bpmn_name
from connectors.export.camunda7_external import Camunda7ExportError
from connectors.export.processes import ENGINES, process_for
from connectors.export.save_as import SaveAsConnectorError, save_as_connector
from connectors.export.views import MAX_SELECTED, attachment


class ProblemSerializer(serializers.Serializer):
    id = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField())


class ReportSerializer(serializers.Serializer):
    exported = serializers.ListField(child=serializers.DictField())
    problems = ProblemSerializer(many=True)
    summary = serializers.CharField()


class BpmnValuesSerializer(serializers.Serializer):
    values = serializers.DictField(required=False, help_text="field key -> value, as in the form")


def problems_of(result: ExportResult) -> list[dict[str, Any]]:
    return [
        {"id": p.template_id, "version": p.version, "reasons": p.reasons} for p in result.problems
    ]


@extend_schema(
    responses={
        (200, "application/json"): OpenApiResponse(
            OpenApiTypes.OBJECT, description="the element template"
        ),
        422: ErrorsSerializer,
    }
)
@api_view(["GET"])
def template_version_export(request: Request, template_id: str, version: VersionSegment) -> Any:
    """The template as the hub exports it (a download); 422 with reasons when it is invalid."""
    found = get_version(get_entry(template_id), version)
    result = export_version(found, base_url=request.build_absolute_uri("/"))
    if not result.templates:
        return Response(
            {"errors": result.problems[0].reasons}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    name = download_name(result, "json")
    return attachment(to_json(result.templates, single=True), "application/json", name, result)


@extend_schema(
    request=BpmnValuesSerializer,
    responses={
        (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="BPMN 2.0 XML"),
        400: OpenApiTypes.OBJECT,
        422: ErrorsSerializer,
    },
)
@api_view(["GET", "POST"])
def template_version_bpmn(request: Request, template_id: str, version: VersionSegment) -> Any:
    """A deployable process applying this version; POST `{"values": {...}}` to fill in fields."""
    found = get_version(get_entry(template_id), version)
    values = request.data.get("values") if request.method == "POST" else None
    if values is not None and not isinstance(values, dict):
        return Response({"values": ["must be an object"]}, status=status.HTTP_400_BAD_REQUEST)
    return bpmn_response(found.content, values, label=str(found))


def bpmn_response(
    template: dict[str, Any], values: dict[str, Any] | None, *, label: str, engine: str = "camunda8"
) -> Any:
    """The BPMN download (for ENGINE, see export/processes.py), or 400 naming the fields whose
    values the template refuses, or 422 with the reasons the process cannot be written."""
    if values:
        # no sample variables: expressions are not evaluated, as in the Modeler
        problems = check(ElementTemplate.from_dict(template), values).errors
        if problems:
            return Response({"values": problems}, status=status.HTTP_400_BAD_REQUEST)
    try:
        xml = process_for(template, values, engine=engine)
    except (BpmnExportError, Camunda7ExportError) as exc:
        return Response({"errors": exc.reasons}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    return attachment(xml.encode(), "application/xml", bpmn_name(template), None)


BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}

BUNDLE_PARAMETERS = [
    OpenApiParameter("id", str, many=True, description="template ids; none: the whole catalogue"),
    OpenApiParameter("versions", str, enum=["all", "default"]),
    OpenApiParameter("camunda7", bool, description="add the Camunda 7 connector templates"),
    OpenApiParameter(
        "output",
        str,
        enum=["json", "zip", "report"],
        description="an array, a zip for the Desktop Modeler, or what would be left out",
    ),
]


@extend_schema(
    parameters=BUNDLE_PARAMETERS,
    responses={
        (200, "application/json"): ReportSerializer,
        (200, "application/zip"): OpenApiResponse(
            OpenApiTypes.BINARY, description="resources/element-templates/"
        ),
    },
)
@api_view(["GET"])
def bundle(request: Request) -> Any:
    """Several templates at once; the `X-Export-Problems` header counts the ones left out."""
    params = request.query_params
    selection = Selection(
        ids=[i for i in params.getlist("id") if i][:MAX_SELECTED],
        versions=query_choice(params, "versions", {"all": "all", "default": "default"}, "all"),
        camunda7=query_choice(params, "camunda7", BOOLEAN_VALUES, False),
        base_url=request.build_absolute_uri("/"),
    )
    kind = query_choice(params, "output", {k: k for k in ("json", "zip", "report")}, "json")
    result = export_selection(selection)
    if kind == "report":
        exported = [{"id": t.template_id, "version": t.version} for t in result.templates]
        return Response(
            {"exported": exported, "problems": problems_of(result), "summary": result.summary()}
        )
    if kind == "zip":
        return attachment(to_zip(result), "application/zip", download_name(result, "zip"), result)
    return attachment(
        to_json(result.templates), "application/json", download_name(result, "json"), result
    )


class SaveAsSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="the new template id")
    name = serializers.CharField()
    version = serializers.IntegerField(default=1)
    modes = serializers.DictField(
        child=serializers.ChoiceField(["hidden", "default"]),
        required=False,
        help_text="field key -> hidden (fixed) or default (editable); hidden when left out",
    )
    description = serializers.CharField(required=False)


def _configuration(request: Request, pk: int) -> tuple[Any, Any]:
    configuration = get_configuration(owner=request.user, pk=pk)
    version = configuration_version(configuration)
    if version is None:
        raise Http404(f"{configuration.template_id} is no longer in the catalogue")
    return configuration, version


@extend_schema(
    parameters=[
        OpenApiParameter(
            "engine",
            str,
            enum=list(ENGINES),
            description="camunda8 (default): the template's element for Zeebe; camunda7: an "
            "external task for the hub's Camunda 7 worker",
        )
    ],
    responses={
        (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="BPMN 2.0 XML"),
        422: ErrorsSerializer,
    },
)
@api_view(["GET"])
def configuration_bpmn(request: Request, pk: int) -> Any:
    """A deployable process applying the saved configuration (yours only; others are 404)."""
    configuration, version = _configuration(request, pk)
    engine = request.query_params.get("engine", "camunda8")
    return bpmn_response(
        version.content, configuration.values, label=configuration.name, engine=engine
    )


@extend_schema(request=SaveAsSerializer, responses={201: dict, 400: dict})
@api_view(["POST"])
def configuration_save_as_connector(request: Request, pk: int) -> Response:
    """Create a template-only connector from the configuration; it joins the catalogue."""
    configuration, version = _configuration(request, pk)
    given = SaveAsSerializer(data=request.data)
    if not given.is_valid():
        return Response(given.errors, status=status.HTTP_400_BAD_REQUEST)
    data = given.validated_data
    try:
        result = save_as_connector(
            configuration=configuration,
            source=version.content,
            template_id=data["id"],
            name=data["name"],
            version=data["version"],
            modes=data.get("modes") or {},
            description=data.get("description"),
            user=request.user,
        )
    except SaveAsConnectorError as exc:
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    created = result.templates[0]
    return Response(
        {
            "id": created.template_id,
            "version": created.version,
            "name": created.name,
            "template": request.build_absolute_uri(
                reverse("api-template-version", args=[created.template_id, created.version])
            ),
        },
        status=status.HTTP_201_CREATED,
    )
