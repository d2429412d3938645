"""/api/v1/templates/: the catalogue over REST, on the same selectors and services as the UI."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.api.pagination import page_of
from connectors.api.parsers import query_choice
from connectors.catalogue.addresses import VersionSegment
from connectors.catalogue.importing import IMPORT_FORBIDDEN, can_import, import_document
from connectors.catalogue.selectors import (
    CatalogueFilters,
    get_entry,
    get_version,
    runnable_job_types,
    search_entries,
    version_list,
)
from connectors.elementtemplates.loading import MAX_DOCUMENT_BYTES
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource


class VersionSummarySerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    job_type = serializers.CharField()
    deprecated = serializers.BooleanField()
    url = serializers.CharField()
    source = serializers.CharField()
    imported_by = serializers.CharField(allow_null=True)
    imported_at = serializers.DateTimeField()


class EntrySerializer(serializers.Serializer):
    id = serializers.CharField(source="template_id")
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    category = serializers.CharField(source="category_name")
    job_type = serializers.CharField()
    applies_to = serializers.ListField(child=serializers.CharField())
    element_type = serializers.CharField()
    default_version = serializers.SerializerMethodField()
    version_count = serializers.IntegerField()
    runs_here = serializers.SerializerMethodField()

    def get_default_version(self, entry: CatalogueEntry) -> int | None:
        return entry.default_version.version if entry.default_version else None

    def get_runs_here(self, entry: CatalogueEntry) -> bool:
        return entry.job_type in self.context["runnable"]


class EntryDetailSerializer(EntrySerializer):
    documentation_ref = serializers.CharField()
    keywords = serializers.ListField(child=serializers.CharField())
    versions = serializers.SerializerMethodField()

    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_versions(self, entry: CatalogueEntry) -> list[dict[str, Any]]:
        request = self.context["request"]
        return [
            {
                "version": v.version,
                "name": v.name,
                "job_type": v.job_type,
                "deprecated": v.deprecated,
                # A version without a number is addressed as .../versions/unversioned/.
                "url": request.build_absolute_uri(
                    reverse("api-template-version", args=[entry.template_id, v.version])
                ),
                # How it came in (upload, api, npm, command, registry, configuration) and who.
                "source": v.source,
                "imported_by": v.imported_by.get_username() if v.imported_by else None,
                "imported_at": v.imported_at,
            }
            for v in version_list(entry)
        ]


class ImportResultSerializer(serializers.Serializer):
    imported = serializers.ListField(child=serializers.DictField())
    summary = serializers.CharField()


class ImportErrorSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField())


class RawBodyParser(BaseParser):
    """Hands the body over unparsed: template loading applies its own size and depth guards.

    At most one byte more than a document may have is read, so a huge body costs nothing.
    """

    media_type = "application/json"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> bytes:
        return stream.read(MAX_DOCUMENT_BYTES + 1) if stream is not None else b""


RUNS_HERE_VALUES: dict[str, bool | None] = {"true": True, "1": True, "false": False, "0": False}

FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="words found in name, description, keywords, job type"),
    OpenApiParameter("category", str, description="category name, e.g. Connectors"),
    OpenApiParameter("kind", str, enum=["builtin", "template", "custom"]),
    OpenApiParameter("applies_to", str, description="BPMN element type, e.g. bpmn:Task"),
    OpenApiParameter(
        "runs_here",
        str,
        enum=list(RUNS_HERE_VALUES),
        description="a registered connector serves its job type",
    ),
]


@extend_schema(
    operation_id="v1_templates_list",
    parameters=FILTER_PARAMETERS,
    responses=page_of(EntrySerializer),
)
@api_view(["GET"])
def template_list(request: Request) -> Response:
    params = request.query_params
    filters = CatalogueFilters(
        q=params.get("q", ""),
        category=params.get("category", ""),
        kind=query_choice(params, "kind", {k.value: k.value for k in ConnectorKind}, ""),
        applies_to=params.get("applies_to", ""),
        runs_here=query_choice(params, "runs_here", RUNS_HERE_VALUES, None),
    )
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(search_entries(filters), request)
    data = EntrySerializer(page, many=True, context={"runnable": runnable_job_types()}).data
    return paginator.get_paginated_response(data)


@extend_schema(responses=EntryDetailSerializer)
@api_view(["GET"])
def template_detail(request: Request, template_id: str) -> Response:
    entry = get_entry(template_id)
    context = {"runnable": runnable_job_types(), "request": request}
    return Response(EntryDetailSerializer(entry, context=context).data)


@extend_schema(responses={200: dict})
@api_view(["GET"])
def template_version(request: Request, template_id: str, version: VersionSegment) -> Response:
    """The element template exactly as it was imported."""
    return Response(get_version(get_entry(template_id), version).content)


@extend_schema(
    request={"application/json": dict},
    responses={
        201: ImportResultSerializer,
        400: ImportErrorSerializer,
        403: ImportErrorSerializer,
        413: ImportErrorSerializer,
    },
)
@api_view(["POST"])
@parser_classes([RawBodyParser])
def template_import(request: Request) -> Response:
    """Import one element template (a JSON object) or several (an array), all or nothing.

    Needs the permission connectors.import_templates (staff have it). A version already in the
    catalogue is never changed: the same content again is "unchanged", other content a 400.
    """
    if not can_import(request.user):
        return Response({"errors": [IMPORT_FORBIDDEN]}, status=status.HTTP_403_FORBIDDEN)
    declared = request.META.get("CONTENT_LENGTH", "")
    # Refuse a body announced as too large before reading any of it.
    if (declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES) or (
        len(raw := request.data) > MAX_DOCUMENT_BYTES
    ):
        limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
        return Response(
            {"errors": [f"request body: larger than {limit} MiB, the most one import accepts"]},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    result = import_document("request body", raw, source=ImportSource.API, user=request.user)
    if not result.ok:
        return Response({"errors": result.errors}, status=status.HTTP_400_BAD_REQUEST)
    imported = [
        {"id": t.template_id, "version": t.version, "name": t.name, "status": t.status}
        for t in result.templates
    ]
    summary = ", ".join(f"{t['id']} v{t['version']} {t['status']}" for t in imported)
    return Response({"imported": imported, "summary": summary}, status=status.HTTP_201_CREATED)
