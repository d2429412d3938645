"""Keeps a webhook's raw body: read before any middleware parses it.

The upload-limit middleware parses multipart bodies before views run, and Django then refuses
`request.body` to the view. For `/inbound/` (the webhook endpoint, whose connectors check
signatures over the exact bytes) this reads the body first, within
CONNECTORHUB_INBOUND_MAX_BODY_BYTES (413 above it, before reading); Django keeps it, and parses
forms from the kept bytes when anything asks for them later.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

PREFIX = "/inbound/"


class WebhookBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX) and request.method not in ("GET", "HEAD"):
            limit = settings.CONNECTORHUB_INBOUND_MAX_BODY_BYTES
            if declared_length(request) > limit:
                return too_large(limit)
            request.body  # noqa: B018 (read and kept now, before a parser consumes the stream)
        return self.get_response(request)


def declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large(limit: int) -> JsonResponse:
    return JsonResponse({"error": f"the request body is larger than {limit} bytes"}, status=413)
