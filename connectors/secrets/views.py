"""Secrets in the web UI: names, descriptions, hosts and audit; a value is never rendered.

Every signed-in user sees every name and may reference it; a secret belongs to its creator, and
only they or a staff user may edit, replace or delete it (docs/secrets.md says why). Those pages
answer 403 to anyone else, and the detail page does not offer them. Nobody, staff included, can
read a value back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from connectors.configure.models import SavedConfiguration
from connectors.runs.selectors import runs_visible_to
from connectors.secrets import selectors, services
from connectors.secrets.errors import SecretError
from connectors.secrets.forms import SecretCreateForm, SecretEditForm, SecretValueForm, host_lines
from connectors.secrets.models import Secret, SecretAuditEvent
from connectors.secrets.references import find_references
from connectors.secrets.services import NotSecretOwner
from connectors.secrets.store import shadowed_names


def secret_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    context: dict[str, object] = {"secrets": selectors.secret_list(search=search), "search": search}
    if request.user.is_staff:  # type: ignore[union-attr]
        context["shadowed"] = sorted(shadowed_names().items())
    template = "connectors/secrets/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#secret-rows"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def secret_create(request: HttpRequest) -> HttpResponse:
    form = SecretCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            secret = services.secret_create(
                name=data["name"],
                value=data["value"],
                description=data["description"],
                allowed_hosts=host_lines(data["allowed_hosts"]),
                user=request.user,
            )
        except (ValidationError, SecretError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"Secret {secret.name} saved; its value is never shown again."
            )
            return redirect("secret-detail", pk=secret.pk)
    return render(request, "connectors/secrets/form.html", {"form": form, "mode": "create"})


def secret_detail(request: HttpRequest, pk: int) -> HttpResponse:
    secret = _get_secret(pk)
    uses = list(selectors.secret_uses(secret=secret))
    context = {
        "secret": secret,
        "reference": "{{secrets." + secret.name + "}}",
        "can_manage": services.may_manage(secret, request.user),
        "uses": uses,
        "open_runs": _runs_they_may_open(request, uses),
        "events": selectors.secret_audit(secret=secret, limit=50),
    }
    return render(request, "connectors/secrets/detail.html", context)


@require_http_methods(["GET", "POST"])
def secret_edit(request: HttpRequest, pk: int) -> HttpResponse:
    secret = _get_secret(pk)
    if not services.may_manage(secret, request.user):
        return _forbidden(request, secret)
    initial = {
        "description": secret.description,
        "allowed_hosts": "\n".join(secret.allowed_hosts),
    }
    form = SecretEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.secret_update(
                secret=secret,
                description=form.cleaned_data["description"],
                allowed_hosts=host_lines(form.cleaned_data["allowed_hosts"]),
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Secret {secret.name} updated.")
            return redirect("secret-detail", pk=secret.pk)
    context = {"form": form, "mode": "edit", "secret": secret}
    return render(request, "connectors/secrets/form.html", context)


@require_http_methods(["GET", "POST"])
def secret_value(request: HttpRequest, pk: int) -> HttpResponse:
    secret = _get_secret(pk)
    if not services.may_manage(secret, request.user):
        return _forbidden(request, secret)
    form = SecretValueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.secret_replace_value(
                secret=secret, value=form.cleaned_data["value"], user=request.user
            )
        except (ValidationError, SecretError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"The value of {secret.name} was replaced.")
            return redirect("secret-detail", pk=secret.pk)
    context = {"form": form, "mode": "value", "secret": secret}
    return render(request, "connectors/secrets/form.html", context)


@require_http_methods(["GET", "POST"])
def secret_delete(request: HttpRequest, pk: int) -> HttpResponse:
    secret = _get_secret(pk)
    if not services.may_manage(secret, request.user):
        return _forbidden(request, secret)
    if request.method == "POST":
        name = secret.name
        now_from = services.secret_delete(secret=secret, user=request.user)
        if now_from:
            messages.warning(
                request,
                f"Secret {name} deleted. Runs that reference it now use {now_from} instead.",
            )
        else:
            messages.success(
                request, f"Secret {name} deleted. Runs that reference it will now fail."
            )
        return redirect("secret-list")
    mine, others = _configurations_referencing(secret.name, request.user)
    context = {"secret": secret, "configurations": mine, "other_count": others}
    return render(request, "connectors/secrets/delete.html", context)


def _configurations_referencing(name: str, user: Any) -> tuple[list[SavedConfiguration], int]:
    """USER's saved configurations whose values reference secret NAME (both reference forms),
    and how many other users' do: configurations are private, so those are only counted."""
    mine: list[SavedConfiguration] = []
    others = 0
    rows = SavedConfiguration.objects.select_related("test_case").order_by("name")
    for configuration in rows.only("id", "name", "owner_id", "values", "test_case__id"):
        if name not in find_references(configuration.values):
            continue
        if configuration.owner_id == user.pk:
            mine.append(configuration)
        else:
            others += 1
    return mine, others


def secret_audit(request: HttpRequest) -> HttpResponse:
    return render(request, "connectors/secrets/audit.html", {"events": selectors.secret_audit()})


def _runs_they_may_open(request: HttpRequest, uses: list[SecretAuditEvent]) -> set[str]:
    """Ids of the runs among USES this user may open (runs are private to who started them)."""

    ids = {int(use.run_id) for use in uses if use.run_id.isdigit()}
    visible = runs_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    return {str(pk) for pk in visible}


def _forbidden(request: HttpRequest, secret: Secret) -> HttpResponse:
    """The page (and status) for someone who may not change this secret; nothing is changed."""
    context = {"secret": secret, "message": str(NotSecretOwner(secret))}
    return render(request, "connectors/secrets/forbidden.html", context, status=403)


def _get_secret(pk: int) -> Secret:
    return get_object_or_404(
        Secret.objects.select_related("created_by").defer("encrypted_value"), pk=pk
    )


def _add_errors(form: forms.Form, exc: ValidationError | SecretError) -> None:
    if isinstance(exc, SecretError):
        form.add_error(None, str(exc))
        return
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)
