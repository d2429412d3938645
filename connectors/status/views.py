"""Health of the hub: JSON for probes, a page and a footer fragment for people."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from connectors.status.health import probe_cache_seconds, states, system_status


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Each component's state for probes; the details (addresses, host names) once signed in.

    Cheap enough for a load balancer to ask often: the network probes are cached briefly
    (connectors.status.health.probe_cache_seconds)."""
    checks = system_status()
    healthy = all(check.ok for check in checks)
    body: dict[str, object] = {"status": "ok" if healthy else "degraded", "checks": states(checks)}
    if request.user.is_authenticated:
        body["components"] = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
def status_page(request: HttpRequest) -> HttpResponse:
    template = "connectors/status.html"
    if request.htmx:
        template += "#footer-status"
    context = {"checks": system_status(), "probe_cache_seconds": probe_cache_seconds()}
    return render(request, template, context)
