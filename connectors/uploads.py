"""Multipart uploads are bounded as a whole, and their files are streamed to disk.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves file data out, so on its own a request could carry
hundreds of files of the largest size each, held in memory together. Here a multipart body
larger than CONNECTORHUB_MAX_UPLOAD_BYTES is refused from its Content-Length before any of it
is read; the bytes actually received are counted across all files too (a body may be longer
than it says under ASGI); every file is written to a temporary file, never kept in memory; and
too many files get a plain answer instead of Django's bare 400. The body is parsed here, before
any view, so a refused request reaches no view and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

TOO_LARGE = 413
KIB = 1024
MIB = 1024 * KIB


class UploadTooLarge(RequestDataTooBig):
    """The files of one request add up to more than CONNECTORHUB_MAX_UPLOAD_BYTES."""


class BoundedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the file bytes of the whole request, passes them on."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit: int = settings.CONNECTORHUB_MAX_UPLOAD_BYTES
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(_too_large(f"more than {_size(self.limit)}", self.limit))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (a temporary file) makes the file


class UploadLimitMiddleware:
    """Parses multipart bodies within the limits, or answers 413 naming the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            problem = _parse_within_limits(request)
            if problem:
                return _refusal(request, problem)
        return self.get_response(request)


def _parse_within_limits(request: HttpRequest) -> str | None:
    limit = settings.CONNECTORHUB_MAX_UPLOAD_BYTES
    declared = _content_length(request)
    if declared > limit:
        return _too_large(_size(declared), limit)
    try:
        request.FILES  # noqa: B018 (parses the body now, with FILE_UPLOAD_HANDLERS)
    except UploadTooLarge as exc:
        return str(exc)
    except TooManyFilesSent:
        most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return (
            f"The request sends more than {most} files; at most {most} can be sent at once. "
            "Nothing was imported or saved."
        )
    return None


def _too_large(size: str, limit: int) -> str:
    return (
        f"The request is {size}, larger than {_size(limit)}, the most one request may carry "
        "(CONNECTORHUB_MAX_UPLOAD_BYTES). Nothing was imported or saved: send fewer or "
        "smaller files at a time."
    )


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body without a valid length


def _size(count: int) -> str:
    if count >= MIB:
        mib = count / MIB
        return f"{mib:.0f} MiB" if mib.is_integer() else f"{mib:.1f} MiB"
    if count >= KIB:
        return f"{count / KIB:.0f} KiB"
    return f"{count} bytes"


def _refusal(request: HttpRequest, problem: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"errors": [problem]}, status=TOO_LARGE)
    return render(request, "upload_refused.html", {"problem": problem}, status=TOO_LARGE)
