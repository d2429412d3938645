"""/api/v1/credentials/: named credentials over REST. Secret fields are write-only.

Same services as the page: the same checks of the configuration template's fields, the same
owner rule (403), the same audit trail. A response lists the plain fields' values and, for the
secret fields (`secret: true`), only which of them hold a value (`secrets_set`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.credentials.models import Credential
from connectors.secrets.errors import SecretError

from . import selectors, services
from .references import reference


class CredentialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    template_id = serializers.CharField(
        max_length=200, help_text="The configuration template, e.g. io.camunda:aws-credential:1"
    )
    description = serializers.CharField(allow_blank=True, required=False, max_length=1000)
    values = serializers.DictField(
        help_text="Field values by property id. Secret fields are write-only: never returned; "
        "left out of a change, the stored value is kept."
    )


class CredentialOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    template_id = serializers.CharField()
    template_version = serializers.IntegerField()
    kind = serializers.CharField()
    description = serializers.CharField()
    values = serializers.DictField(help_text="The plain fields only")
    secrets_set = serializers.ListField(
        child=serializers.CharField(), help_text="Secret fields holding a value"
    )
    reference = serializers.CharField(help_text="What a Configuration field stores")
    can_manage = serializers.BooleanField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    changed_at = serializers.DateTimeField()


@extend_schema(request=CredentialSerializer, responses={200: CredentialOutSerializer(many=True)})
@api_view(["GET", "POST"])
def credential_list(request: Request) -> Response:
    if request.method == "POST":
        data = _validated(CredentialSerializer(data=request.data))
        credential = _call(
            services.credential_save,
            definition=_definition(data["template_id"]),
            name=data["name"],
            values=data["values"],
            description=data.get("description", ""),
            user=request.user,
        )
        return Response(represent(credential, request.user), status=status.HTTP_201_CREATED)
    rows = selectors.credential_list()
    if template_id := request.query_params.get("template_id"):
        rows = rows.filter(template_id=template_id)
    return Response([represent(c, request.user) for c in rows])


@extend_schema(request=CredentialSerializer, responses={200: CredentialOutSerializer, 204: None})
@api_view(["GET", "PUT", "PATCH", "DELETE"])
def credential_detail(request: Request, name: str) -> Response:
    credential = get_object_or_404(Credential.objects.select_related("created_by"), name=name)
    if request.method != "GET" and not services.may_manage(credential, request.user):
        raise PermissionDenied(str(services.NotCredentialOwner(credential)))
    if request.method == "DELETE":
        _call(services.credential_delete, credential=credential, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    if request.method in ("PUT", "PATCH"):
        serializer = CredentialSerializer(data=request.data, partial=request.method == "PATCH")
        data = _validated(serializer)
        values = data.get("values")
        if values is None:
            values = {**credential.values}
        credential = _call(
            services.credential_save,
            definition=_definition(credential.template_id, credential.definition),
            name=data.get("name", credential.name),
            values=values,
            description=data.get("description", credential.description),
            user=request.user,
            credential=credential,
        )
    return Response(represent(credential, request.user))


@extend_schema(responses={200: dict})
@api_view(["GET"])
def configuration_template_list(request: Request) -> Response:
    """The configuration templates the catalogue's element templates embed."""
    return Response(list(selectors.configuration_templates().values()))


def represent(credential: Credential, user: Any) -> dict[str, Any]:
    return {
        "name": credential.name,
        "template_id": credential.template_id,
        "template_version": credential.template_version,
        "kind": credential.kind,
        "description": credential.description,
        "values": dict(credential.values),
        "secrets_set": sorted(credential.encrypted_values),
        "reference": reference(credential.name),
        "can_manage": services.may_manage(credential, user),
        "created_by": credential.created_by.get_username() if credential.created_by else None,
        "created_at": credential.created_at,
        "changed_at": credential.changed_at,
    }


def _definition(template_id: str, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    definition = selectors.configuration_templates().get(template_id) or stored
    if definition is None:
        raise ValidationError(
            {"template_id": [f"no template in the catalogue embeds configuration {template_id!r}"]}
        )
    return definition


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _call(service: Any, **kwargs: Any) -> Any:
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    except services.NotCredentialOwner as exc:
        raise PermissionDenied(str(exc)) from None
    except SecretError as exc:
        raise ValidationError({"values": [str(exc)]}) from None
