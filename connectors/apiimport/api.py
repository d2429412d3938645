"""POST /api/v1/api-descriptions/import: an API description in, REST templates out (or only
the preview), with the catalogue import's permission and all-or-nothing storing."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.catalogue.importing import IMPORT_FORBIDDEN, can_import
from connectors.models import ImportSource

from .errors import ApiDescriptionError
from .generating import Options
from .reading import MAX_DESCRIPTION_BYTES
from .services import Preview, api_import, api_preview, api_preview_from_url


class DescriptionParser(BaseParser):
    """The body unparsed (JSON or YAML), at most one byte more than a description may have."""

    media_type = "*/*"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> bytes:
        return stream.read(MAX_DESCRIPTION_BYTES + 1) if stream is not None else b""


class ApiImportSerializer(serializers.Serializer):
    templates = serializers.ListField(child=serializers.DictField())
    skipped = serializers.ListField(child=serializers.DictField())
    notes = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()


class ApiImportErrorSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField())


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


@extend_schema(
    request={"application/json": dict, "application/yaml": str},
    parameters=[
        OpenApiParameter("url", str, description="fetch the description from here instead"),
        OpenApiParameter(
            "operations", str, description="operationIds or 'METHOD /path', comma-separated"
        ),
        OpenApiParameter("base_url", str, description="base URL instead of the servers"),
        OpenApiParameter("per_operation", bool, description="one template per operation"),
        OpenApiParameter("preview", bool, description="what would be imported; nothing stored"),
    ],
    responses={200: ApiImportSerializer, 201: ApiImportSerializer,
               400: ApiImportErrorSerializer, 403: ApiImportErrorSerializer},
)  # fmt: skip
@api_view(["POST"])
@parser_classes([DescriptionParser])
def description_import(request: Request) -> Response:
    """Turn an OpenAPI 3.0/3.1, Swagger 2.0 or Postman 2.1 description (the body, or `url`)
    into REST connector templates; all or nothing. Needs connectors.import_templates."""
    if not can_import(request.user):
        return Response({"errors": [IMPORT_FORBIDDEN]}, status=status.HTTP_403_FORBIDDEN)
    query = request.query_params
    kwargs: dict[str, Any] = {
        "options": Options(per_operation=_flag(query.get("per_operation")),
                           base_url=query.get("base_url", "").strip()),
        "operations": [o for o in query.get("operations", "").split(",") if o.strip()],
    }  # fmt: skip
    try:
        if query.get("url"):
            preview = api_preview_from_url(query["url"], **kwargs)
        else:
            raw = request.data if isinstance(request.data, bytes) else b""
            if len(raw) > MAX_DESCRIPTION_BYTES:
                raise ApiDescriptionError("the request body is larger than a description may be")
            preview = api_preview(raw, source_name="request body", **kwargs)
    except ApiDescriptionError as exc:
        return Response({"errors": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    if _flag(query.get("preview")):
        return Response(_answer(preview, None), status=status.HTTP_200_OK)
    result = api_import(preview, source=ImportSource.API, user=request.user)
    if not result.ok:
        return Response({"errors": result.errors}, status=status.HTTP_400_BAD_REQUEST)
    statuses = {t.template_id: t.status for t in result.templates}
    return Response(_answer(preview, statuses), status=status.HTTP_201_CREATED)


def _answer(preview: Preview, statuses: dict[str, str] | None) -> dict[str, Any]:
    templates = [
        {
            "id": t.template["id"],
            "version": t.template["version"],
            "name": t.template["name"],
            "operations": [op.key for op in t.operations],
            "status": statuses.get(t.template["id"], "") if statuses else "preview",
        }
        for t in preview.templates
    ]
    skipped = [{"operation": s.key, "method": s.method, "path": s.path, "reason": s.reason}
               for s in preview.skipped]  # fmt: skip
    return {"templates": templates, "skipped": skipped, "notes": preview.api.warnings,
            "summary": preview.report_lines()[1]}  # fmt: skip
