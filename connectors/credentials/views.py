"""Credentials in the web UI: list, create, edit, delete. A secret field's stored value is never
rendered: the edit page shows which secret fields hold one and keeps it when left empty.

The fields are the configuration template's, drawn by the configure form's renderer
(connectors.configure), so conditions, dropdowns and constraints behave as on the configure page:
a change re-renders the fields (htmx) and only the active ones are saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from connectors.configure import build_form
from connectors.configure.posting import values_from_post
from connectors.credentials.models import Credential
from connectors.secrets.errors import SecretError
from connectors.secrets.selectors import secret_list

from . import selectors, services
from .definitions import as_template, secret_keys
from .references import reference

PAGE = "connectors/credentials/form.html"


def credential_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.configuration_templates()
    rows = [
        {
            "credential": c,
            "template_name": (templates.get(c.template_id) or c.definition).get("name"),
            "can_manage": services.may_manage(c, request.user),
        }
        for c in selectors.credential_list()
    ]
    context = {"rows": rows, "templates": templates}
    return render(request, "connectors/credentials/list.html", context)


@require_http_methods(["GET", "POST"])
def credential_create(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    definition = selectors.configuration_templates().get(source.get("template", ""))
    if definition is None:
        raise Http404("No template in the catalogue embeds this configuration template.")
    return _page(request, definition, None)


@require_http_methods(["GET", "POST"])
def credential_edit(request: HttpRequest, name: str) -> HttpResponse:
    credential = get_object_or_404(Credential, name=name)
    if not services.may_manage(credential, request.user):
        return _forbidden(request, credential)
    definition = selectors.configuration_templates().get(credential.template_id)
    return _page(request, definition or credential.definition, credential)


@require_http_methods(["GET", "POST"])
def credential_delete(request: HttpRequest, name: str) -> HttpResponse:
    credential = get_object_or_404(Credential, name=name)
    if not services.may_manage(credential, request.user):
        return _forbidden(request, credential)
    if request.method == "POST":
        services.credential_delete(credential=credential, user=request.user)
        messages.success(
            request,
            f"Credential {name} deleted. Configurations and processes that chose it now fail "
            "with a message naming it.",
        )
        return redirect("credential-list")
    return render(request, "connectors/credentials/delete.html", {"credential": credential})


def _page(
    request: HttpRequest, definition: dict[str, Any], credential: Credential | None
) -> HttpResponse:
    template = as_template(definition)
    secrets = secret_keys(template)
    kept = set(credential.encrypted_values) if credential else set()
    if request.method == "POST":
        values = values_from_post(template, request.POST)
        name = request.POST.get("name", "").strip()
        description = request.POST.get("description", "")
    else:
        values = dict(credential.values) if credential else {}
        name = credential.name if credential else ""
        description = credential.description if credential else ""
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and request.POST.get("action") == "save":
        try:
            saved = services.credential_save(
                definition=definition,
                name=name,
                values=values,
                description=description,
                user=request.user,
                credential=credential,
            )
        except (ValidationError, SecretError) as exc:
            errors = getattr(exc, "message_dict", None) or {"name": [str(exc)]}
        else:
            messages.success(
                request,
                f"Credential {saved.name} saved; its secret fields are never shown again.",
            )
            return redirect("credential-list")
    # a kept secret counts as set for conditions; what was typed is only echoed to its typist
    shown = {**{key: "" for key in kept & secrets if key not in values}, **values}
    form = build_form(template, shown)
    field_errors = {**form.errors, **errors} if request.POST.get("action") == "save" else errors
    for f in form.fields:
        f.errors = field_errors.get(f.key, [])
        if f.key in kept and not values.get(f.key):
            f.notes = [*f.notes, "A value is stored; leave it empty to keep it."]
            f.required = False
    context = {
        "form": form,
        "definition": definition,
        "credential": credential,
        "name": name,
        "description": description,
        "errors": errors,
        "reference": reference(name) if name else "",
        "secret_count": len(secrets),
        "encrypted_fields": True,  # secret fields are encrypted here, not kept in plain text
        # the secrets picker on secret fields, as on the configure page
        "secret_names": list(secret_list().values_list("name", flat=True)[:200]),
    }
    page = PAGE + "#fields" if request.htmx and request.POST.get("action") != "save" else PAGE
    return render(request, page, context)


def _forbidden(request: HttpRequest, credential: Credential) -> HttpResponse:
    return render(
        request,
        "connectors/credentials/forbidden.html",
        {"credential": credential, "message": str(services.NotCredentialOwner(credential))},
        status=403,
    )
