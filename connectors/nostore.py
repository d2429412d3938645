"""What a signed-in user sees is never stored by a browser or a proxy.

Pages, fragments and API answers carry secret names, run results and configurations: after
signing out (or on a shared machine) the back button or a cache must not show them again.
A view that chose its own Cache-Control keeps it (the catalogue's icons are cached privately);
static files never reach this middleware (WhiteNoise answers them first).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: DRF sets request.user for token authentication there.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
