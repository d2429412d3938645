"""The egress allow-list page (staff only): which blocked addresses dry-runs may reach.

Entries added here are merged with CONNECTORHUB_EGRESS_ALLOW and reach the next run in every
process within a few seconds (connectors/network/allowlist.py); each change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from connectors.network import allowlist
from connectors.network.models import PATTERN_MAX_LENGTH, EgressAllowEntry
from connectors.network.policy import LOOPBACK_ALLOW

View = Callable[..., HttpResponse]


class EntryForm(forms.Form):
    pattern = forms.CharField(max_length=PATTERN_MAX_LENGTH, label="Host or range")
    note = forms.CharField(max_length=200, required=False, label="Note")


def staff_only(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_staff:  # type: ignore[union-attr]
            raise PermissionDenied("Only staff can change the egress allow-list.")
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
@require_http_methods(["GET", "POST"])
def allowlist_page(request: HttpRequest) -> HttpResponse:
    form = EntryForm(request.POST or None, initial={"pattern": request.GET.get("host", "")})
    if request.method == "POST" and form.is_valid():
        try:
            entry = allowlist.entry_add(
                pattern=form.cleaned_data["pattern"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{entry.pattern} allowed: the next dry-run may reach it.")
            return redirect("egress-allowlist")
    context = {
        "form": form,
        "entries": EgressAllowEntry.objects.select_related("added_by"),
        "setting_entries": settings.CONNECTORHUB_EGRESS_ALLOW,
        "dev_loopback": LOOPBACK_ALLOW if settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK else (),
        "enforced": settings.CONNECTORHUB_EGRESS_POLICY == "enforce",
        "events": allowlist.audit(),
    }
    status = 400 if form.errors else 200
    return render(request, "connectors/egress/allowlist.html", context, status=status)


@staff_only
@require_POST
def allowlist_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(EgressAllowEntry, pk=pk)
    allowlist.entry_remove(entry=entry, user=request.user)
    messages.success(request, f"{entry.pattern} removed: dry-runs may no longer reach it.")
    return redirect("egress-allowlist")
