"""/api/v1/configurations/: the caller's saved configurations (someone else's are 404).

The same services as the web UI: values are checked like a run's, so nothing invalid is stored.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.api.pagination import page_of
from connectors.api.parsers import VersionField
from connectors.catalogue.addresses import UNVERSIONED, parse_version
from connectors.catalogue.selectors import get_entry, get_version
from connectors.configure.selectors import (
    configuration_list,
    get_configuration,
    newer_versions,
)
from connectors.configure.services import (
    ConfigurationInvalid,
    configuration_delete,
    configuration_duplicate,
    configuration_rename,
    configuration_save,
)
from connectors.models import SavedConfiguration, TemplateVersion

from .jobs_api import JobErrorsSerializer

WRITABLE = ("name", "template_id", "template_version", "values", "variables")


class ConfigurationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    template_id = serializers.CharField()
    template_version = VersionField(
        allow_null=True,
        help_text=f'"{UNVERSIONED}": the template has no version; null (on input only): the '
        "default version",
    )
    values = serializers.DictField()
    variables = serializers.DictField()
    newer_version = serializers.SerializerMethodField()
    form_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        if data.get("template_version") is None:  # DRF skips a field's own for None
            data["template_version"] = UNVERSIONED
        return data

    def get_newer_version(self, configuration: SavedConfiguration) -> int | None:
        return self.context["newer"].get(configuration.pk)

    def get_form_url(self, configuration: SavedConfiguration) -> str:
        url = reverse("configure", args=[configuration.template_id, configuration.template_version])
        return self.context["request"].build_absolute_uri(f"{url}?configuration={configuration.pk}")


def _out(request: Request, configurations: list[SavedConfiguration]) -> list[dict[str, Any]]:
    context = {"request": request, "newer": newer_versions(configurations)}
    return list(ConfigurationSerializer(configurations, many=True, context=context).data)


@extend_schema(
    request=ConfigurationSerializer,
    responses={200: page_of(ConfigurationSerializer), 201: ConfigurationSerializer,
               400: JobErrorsSerializer},
)  # fmt: skip
@extend_schema(methods=["GET"], operation_id="v1_configurations_list")
@api_view(["GET", "POST"])
def configuration_collection(request: Request) -> Response:
    """GET: your configurations, newest change first. POST: save a new one."""
    if request.method == "GET":
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(configuration_list(owner=request.user), request)
        return paginator.get_paginated_response(_out(request, list(page or [])))
    return _write(request, None)


@extend_schema(
    request=ConfigurationSerializer,
    responses={200: ConfigurationSerializer, 204: None, 400: JobErrorsSerializer},
)
@api_view(["GET", "PUT", "PATCH", "DELETE"])
def configuration_item(request: Request, pk: int) -> Response:
    configuration = get_configuration(owner=request.user, pk=pk)
    if request.method == "GET":
        return Response(_out(request, [configuration])[0])
    if request.method == "DELETE":
        configuration_delete(configuration=configuration)
        return Response(status=status.HTTP_204_NO_CONTENT)
    return _write(request, configuration)


@extend_schema(request=None, responses={201: ConfigurationSerializer})
@api_view(["POST"])
def configuration_copy(request: Request, pk: int) -> Response:
    """A copy named "<name> (copy)"."""
    copy = configuration_duplicate(configuration=get_configuration(owner=request.user, pk=pk))
    return Response(_out(request, [copy])[0], status=status.HTTP_201_CREATED)


def _write(request: Request, configuration: SavedConfiguration | None) -> Response:
    try:
        body = request.data
    except ParseError as error:
        return _bad({"body": [str(error.detail)]})
    if not isinstance(body, dict):
        return _bad({"body": ["must be a JSON object"]})
    fields = _current(configuration) if configuration and request.method == "PATCH" else {}
    fields |= {k: v for k, v in body.items() if k in WRITABLE}
    errors = {k: ["unknown key"] for k in body if k not in WRITABLE} | _shape_errors(fields)
    if errors:
        return _bad(errors)
    try:
        if configuration is not None and set(body) == {"name"}:
            saved = configuration_rename(configuration=configuration, name=str(body["name"]))
        else:
            saved = configuration_save(
                owner=request.user,
                version=_version(fields),
                name=str(fields.get("name", "")),
                values=fields.get("values") or {},
                variables=fields.get("variables") or {},
                configuration=configuration,
            )
    except ConfigurationInvalid as invalid:
        return _bad(invalid.errors)
    code = status.HTTP_200_OK if configuration else status.HTTP_201_CREATED
    return Response(_out(request, [saved])[0], status=code)


def _shape_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    errors = {
        key: ["must be a JSON object"]
        for key in ("values", "variables")
        if fields.get(key) is not None and not isinstance(fields[key], dict)
    }
    if not isinstance(fields.get("template_id"), str) or not fields["template_id"]:
        errors["template_id"] = ["the template id is required"]
    version = fields.get("template_version")
    if version is not None and not _is_version(version):
        errors["template_version"] = [
            f'must be a whole number, "{UNVERSIONED}" (the template without a version) or null '
            "(the default version)"
        ]
    return errors


def _is_version(value: Any) -> bool:
    """A JSON number or "unversioned" that names a version (a digit string is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return False
    if isinstance(value, str) and value != UNVERSIONED:
        return False
    try:
        parse_version(str(value))
    except ValueError:
        return False
    return True


def _version(fields: dict[str, Any]) -> TemplateVersion:
    try:
        return get_version(get_entry(fields["template_id"]), fields.get("template_version"))
    except Http404 as missing:
        raise ConfigurationInvalid({"template_id": [str(missing)]}) from None


def _current(configuration: SavedConfiguration) -> dict[str, Any]:
    return {
        "name": configuration.name,
        "template_id": configuration.template_id,
        "template_version": UNVERSIONED
        if configuration.template_version is None
        else configuration.template_version,
        "values": configuration.values,
        "variables": configuration.variables,
    }


def _bad(errors: dict[str, list[str]]) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
