"""POST /api/v1/templates/{id}/versions/{version}/job: template + values -> the job a worker gets.

The same translation and checks as the "Configure & test" form, the dry-run and the export
(connectors.configure.check: connectors.elementtemplates.prepare_job with the registry's check).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.catalogue.addresses import VersionSegment
from connectors.catalogue.selectors import get_entry, get_version
from connectors.configure import check, template_for

BODY_KEYS = ("values", "variables")


class JobRequestSerializer(serializers.Serializer):
    values = serializers.DictField(
        required=False,
        help_text="Keyed by property id, or `<binding type>:<name or key>` for a property "
        "without id (e.g. `zeebe:taskHeader:resultVariable`). Missing fields take the "
        "template's defaults.",
    )
    variables = serializers.DictField(
        required=False, help_text="Sample process variables for `=` expressions."
    )


class JobSerializer(serializers.Serializer):
    type = serializers.CharField(allow_null=True)
    retries = serializers.IntegerField()
    variables = serializers.DictField()
    headers = serializers.DictField(child=serializers.CharField())
    properties = serializers.DictField(child=serializers.CharField())


class JobErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


@extend_schema(
    request=JobRequestSerializer,
    responses={200: JobSerializer, 400: JobErrorsSerializer},
    examples=[
        OpenApiExample(
            "REST connector",
            request_only=True,
            value={
                "values": {
                    "url": "https://example.com/orders/{{secrets.SHOP}}",
                    "authentication.type": "bearer",
                    "authentication.token": "{{secrets.TOKEN}}",
                },
                "variables": {"orderId": 42},
            },
        )
    ],
)
@api_view(["POST"])
def template_job(request: Request, template_id: str, version: VersionSegment) -> Response:
    """The job for these values, or 400 with `{"errors": {field: [messages]}}`."""
    selected = get_version(get_entry(template_id), version)
    try:
        body = request.data
    except ParseError as error:
        return Response({"errors": {"body": [str(error.detail)]}}, status=400)
    values, variables, errors = _read_body(body)
    if not errors:
        checked = check(template_for(selected), values, variables)
        if checked.ok:
            return Response(checked.job.as_dict())
        errors = checked.errors
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _read_body(body: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    if not isinstance(body, dict):
        return {}, {}, {"body": ['must be a JSON object: {"values": {...}, "variables": {...}}']}
    errors: dict[str, list[str]] = {
        key: ["unknown key; the body holds only values and variables"]
        for key in body
        if key not in BODY_KEYS
    }
    values = body.get("values", {})
    variables = body.get("variables", {})
    if values is None:
        values = {}
    if variables is None:
        variables = {}
    if not isinstance(values, dict):
        errors["values"] = ["must be a JSON object keyed by field"]
    if not isinstance(variables, dict):
        errors["variables"] = ["must be a JSON object of variable names"]
    return values, variables, errors
