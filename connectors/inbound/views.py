"""The Inbound page: every active or DOWN inbound element with its endpoint, health and latest
events, and (staff) the Deploy form: a BPMN file or a saved configuration's process."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from connectors.inbound.discovery import DeploymentRefused
from connectors.inbound.engine import EngineNotConfigured, configured_engine
from connectors.inbound.selectors import inbound_overview
from connectors.inbound.services import deploy_configuration, deploy_upload
from connectors.models import SavedConfiguration
from connectors.zeebe.rest import GatewayUnavailable


@require_GET
def inbound_page(request: HttpRequest) -> HttpResponse:
    elements = [
        replace(e, url=request.build_absolute_uri(e.endpoint)) if e.endpoint else e
        for e in inbound_overview()
    ]
    context = {
        "elements": elements,
        "configurations": SavedConfiguration.objects.filter(owner=request.user).order_by("name"),
        "engine": configured_engine(),
    }
    return render(request, "connectors/inbound/page.html", context)


@require_POST
def inbound_deploy(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:  # type: ignore[union-attr]
        raise PermissionDenied("Only staff can deploy processes to the engine.")
    upload = request.FILES.get("bpmn")
    configuration = request.POST.get("configuration", "")
    try:
        if upload is not None:
            deployed = deploy_upload(name=upload.name or "", data=upload.read(), user=request.user)
        elif configuration:
            deployed = deploy_configuration(pk=configuration, user=request.user)
        else:
            raise DeploymentRefused("choose a BPMN file or a saved configuration to deploy")
    except Http404:
        messages.error(request, "Deploy: no such configuration of yours.")
    except (DeploymentRefused, EngineNotConfigured, GatewayUnavailable) as exc:
        messages.error(request, f"Deploy failed: {exc}")
    else:
        names = ", ".join(f"{p.process_id} v{p.version}" for p in deployed)
        messages.success(request, f"Deployed {names}; its inbound elements are below.")
    return redirect("inbound")
