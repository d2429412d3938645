"""/api/v1/inbound/: the Inbound page's data, and deployments (staff), on the same services."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.inbound.discovery import DeploymentRefused
from connectors.inbound.engine import EngineNotConfigured
from connectors.inbound.selectors import inbound_overview
from connectors.inbound.services import deploy_configuration, deploy_upload
from connectors.zeebe.rest import GatewayUnavailable


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    severity = serializers.CharField()
    message = serializers.CharField()
    outcome = serializers.CharField()


class ElementSerializer(serializers.Serializer):
    process_id = serializers.CharField()
    version = serializers.IntegerField()
    latest = serializers.BooleanField()  # False: an older version kept while instances wait
    process_definition_key = serializers.CharField()  # 64-bit: text, as Camunda's API has it
    element_id = serializers.CharField()
    element_name = serializers.CharField()
    kind = serializers.CharField()
    inbound_type = serializers.CharField()
    connector_kind = serializers.CharField()
    endpoint = serializers.CharField()
    url = serializers.CharField()
    deduplication_id = serializers.CharField()
    health = serializers.CharField()
    reason = serializers.CharField()
    activated_at = serializers.DateTimeField(allow_null=True)
    events = EventSerializer(many=True)


class DeploymentSerializer(serializers.Serializer):
    bpmn = serializers.FileField(required=False, help_text="a BPMN file")
    configuration = serializers.IntegerField(
        required=False, help_text="or the id of one of your saved configurations"
    )


@extend_schema(responses={200: ElementSerializer(many=True)})
@api_view(["GET"])
def inbound_list(request: Request) -> Response:
    """Every active or DOWN inbound element: endpoint, health with its reason, latest events."""
    items = [
        replace(e, url=request.build_absolute_uri(e.endpoint)) if e.endpoint else e
        for e in inbound_overview()
    ]
    return Response(ElementSerializer(items, many=True).data)


@extend_schema(request=DeploymentSerializer, responses={201: dict, 400: dict, 503: dict})
@api_view(["POST"])
def deployment_create(request: Request) -> Response:
    """Deploy a BPMN file or a saved configuration's process to the configured engine and
    activate its inbound elements (staff only)."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can deploy processes to the engine.")
    given = DeploymentSerializer(data=request.data)
    if not given.is_valid():
        return Response(given.errors, status=status.HTTP_400_BAD_REQUEST)
    data: dict[str, Any] = given.validated_data
    try:
        if data.get("bpmn") is not None:
            upload = data["bpmn"]
            deployed = deploy_upload(name=upload.name, data=upload.read(), user=request.user)
        elif data.get("configuration") is not None:
            deployed = deploy_configuration(pk=data["configuration"], user=request.user)
        else:
            return Response(
                {"bpmn": ["give a BPMN file, or a saved configuration's id in configuration"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
    except Http404:
        return Response({"configuration": ["no such configuration of yours"]}, status=404)
    except DeploymentRefused as exc:
        return Response({"bpmn": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    except (EngineNotConfigured, GatewayUnavailable) as exc:
        return Response({"engine": [str(exc)]}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    processes = [
        {"process_id": p.process_id, "version": p.version, "key": str(p.process_definition_key)}
        for p in deployed
    ]
    return Response({"processes": processes}, status=status.HTTP_201_CREATED)
