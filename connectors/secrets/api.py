"""/api/v1/secrets/: secrets over REST. The value is write-only: accepted, never returned.

Same services as the web UI, so the same validation, the same owner rule (only a secret's creator
or a staff user may change, replace or delete it: 403 otherwise) and the same audit trail. Each
secret says, as `can_manage`, whether that rule lets the requesting user change it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.api.pagination import page_of
from connectors.secrets import selectors, services
from connectors.secrets.errors import SecretError
from connectors.secrets.models import Secret, SecretAuditEvent
from connectors.secrets.names import NAME_MAX_LENGTH
from connectors.secrets.services import (
    DESCRIPTION_MAX_LENGTH,
    VALUE_MAX_LENGTH,
    NotSecretOwner,
)


class SecretSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    # write_only: DRF never puts it in a response, and Secret has no attribute to read it from.
    value = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        allow_blank=True,
        max_length=VALUE_MAX_LENGTH,
        style={"input_type": "password"},
        help_text="Write-only. Required on create; on update, omit it to keep the current value.",
    )
    description = serializers.CharField(
        allow_blank=True, required=False, max_length=DESCRIPTION_MAX_LENGTH
    )
    allowed_hosts = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False
    )
    reference = serializers.SerializerMethodField()
    can_manage = serializers.SerializerMethodField(
        help_text="Whether the requesting user may change, replace or delete this secret "
        "(its creator or a staff user). Anyone may still use it in dry-runs as the secret "
        "policy allows."
    )
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )
    changed_at = serializers.DateTimeField(read_only=True)
    changed_by = serializers.CharField(
        source="changed_by.username", read_only=True, default=None, allow_null=True
    )
    value_changed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_reference(self, secret: Secret) -> str:
        return "{{secrets." + secret.name + "}}"

    def get_can_manage(self, secret: Secret) -> bool:
        # The one owner rule the UI and the services enforce; every view passes its request.
        return services.may_manage(secret, self.context["request"].user)


class SecretUpdateSerializer(SecretSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    value = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        allow_blank=True,
        max_length=VALUE_MAX_LENGTH,
        style={"input_type": "password"},
    )


class SecretOutSerializer(SecretSerializer):
    """A secret as responses show it: the same fields without the write-only value.

    Its own schema component, so that the documented response does not require `value`.
    """

    value = None  # type: ignore[assignment]


class AuditEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    secret = serializers.CharField(source="secret_name")
    action = serializers.ChoiceField(choices=SecretAuditEvent.Action.choices)
    actor = serializers.CharField(
        source="actor.username", read_only=True, default=None, allow_null=True
    )
    run_id = serializers.CharField()
    source = serializers.CharField()  # a use: `dry_run` or `live`
    job_type = serializers.CharField()
    detail = serializers.CharField()


@extend_schema(
    parameters=[OpenApiParameter("search", str, description="part of a name or description")],
    request=SecretSerializer,
    responses={200: page_of(SecretOutSerializer), 201: SecretOutSerializer},
)
@extend_schema(methods=["GET"], operation_id="v1_secrets_list")
@api_view(["GET", "POST"])
def secret_list(request: Request) -> Response:
    if request.method == "POST":
        data = _validated(SecretSerializer(data=request.data))
        secret = _call(
            services.secret_create,
            name=data["name"],
            value=data["value"],
            description=data.get("description", ""),
            allowed_hosts=data.get("allowed_hosts", []),
            user=request.user,
        )
        return Response(_represent(secret, request), status=status.HTTP_201_CREATED)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(
        selectors.secret_list(search=request.query_params.get("search", "")), request
    )
    serializer = SecretSerializer(page, many=True, context={"request": request})
    return paginator.get_paginated_response(serializer.data)


@extend_schema(request=SecretUpdateSerializer, responses={200: SecretOutSerializer, 204: None})
@api_view(["GET", "PUT", "PATCH", "DELETE"])
def secret_detail(request: Request, name: str) -> Response:
    secret = get_object_or_404(
        Secret.objects.select_related("created_by").defer("encrypted_value"), name=name
    )
    if request.method in ("PUT", "PATCH", "DELETE") and not services.may_manage(
        secret, request.user
    ):
        # before the body is read, so that a refused change reports 403, not a field error
        raise PermissionDenied(str(NotSecretOwner(secret)))
    if request.method == "DELETE":
        _call(services.secret_delete, secret=secret, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    if request.method in ("PUT", "PATCH"):
        _update(request, secret)
    return Response(_represent(secret, request))


@extend_schema(responses=AuditEventSerializer(many=True))
@api_view(["GET"])
def secret_audit(request: Request, name: str) -> Response:
    secret = get_object_or_404(Secret.objects.defer("encrypted_value"), name=name)
    events = selectors.secret_audit(secret=secret)
    return Response(AuditEventSerializer(events, many=True).data)


def _represent(secret: Secret, request: Request) -> dict[str, Any]:
    return dict(SecretSerializer(secret, context={"request": request}).data)


def _update(request: Request, secret: Secret) -> None:
    data = _validated(SecretUpdateSerializer(data=request.data, partial=request.method == "PATCH"))
    if "name" in data and data["name"] != secret.name:
        raise ValidationError(
            {"name": ["A secret cannot be renamed: create the new name, then delete this one."]}
        )
    if "value" in data:
        _call(services.secret_replace_value, secret=secret, value=data["value"], user=request.user)
    if "description" in data or "allowed_hosts" in data:
        _call(
            services.secret_update,
            secret=secret,
            description=data.get("description"),
            allowed_hosts=data.get("allowed_hosts"),
            user=request.user,
        )


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _call(service: Any, **kwargs: Any) -> Any:
    """Run a service, turning its field errors into a 400 (and a key problem into a 503)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    except NotSecretOwner as exc:
        raise PermissionDenied(str(exc)) from None
    except SecretError as exc:
        raise SecretsUnavailable(str(exc)) from None


class SecretsUnavailable(APIException):
    """The encryption key is missing or wrong: a server problem, not the client's input."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "secrets_unavailable"
