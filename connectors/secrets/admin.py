"""Django admin for secrets: names, descriptions and hosts; the value can be set, never seen.

Changes go through the services, so the admin validates and audits like the UI and the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from connectors.secrets import services
from connectors.secrets.errors import SecretError
from connectors.secrets.models import Secret, SecretAuditEvent
from connectors.secrets.store import cipher

if TYPE_CHECKING:  # the admin classes are generic only for the type checker
    SecretFormBase = forms.ModelForm[Secret]
    SecretAdminBase = admin.ModelAdmin[Secret]
    AuditAdminBase = admin.ModelAdmin[SecretAuditEvent]
else:
    SecretFormBase = forms.ModelForm
    SecretAdminBase = AuditAdminBase = admin.ModelAdmin


class SecretAdminForm(SecretFormBase):
    value = forms.CharField(
        strip=False,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. On a change, leave it empty to keep the current value.",
    )
    allowed_hosts_text = forms.CharField(
        label="Allowed hosts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One host pattern per line (api.github.com, *.slack.com). Empty: any host.",
    )

    class Meta:
        model = Secret
        fields = ["name", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].disabled = True
            self.initial["allowed_hosts_text"] = "\n".join(self.instance.allowed_hosts)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hosts = [line for line in data.get("allowed_hosts_text", "").splitlines() if line.strip()]
        try:
            data["allowed_hosts"] = services.clean_allowed_hosts(hosts)
        except ValidationError as exc:
            self.add_error("allowed_hosts_text", exc.message_dict["allowed_hosts"])
        if not self.instance.pk:
            if problem := services.new_name_problem(data.get("name", "")):
                self.add_error("name", problem)
            if problem := services.value_problem(data.get("value", "")):
                self.add_error("value", problem)
        elif data.get("value") and (problem := services.value_problem(data["value"])):
            self.add_error("value", problem)
        try:
            cipher()  # a missing or malformed key is reported here, not as a failed save
        except SecretError as exc:
            self.add_error(None, str(exc))
        return data

    def validate_unique(self) -> None:
        # The service checks duplicates (also those differing only in case) with a clearer message.
        return None


@admin.register(Secret)
class SecretAdmin(SecretAdminBase):
    form = SecretAdminForm
    list_display = ["name", "description", "changed_at", "changed_by", "last_used_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "created_by", "changed_at", "changed_by", "last_used_at"]
    fields = ["name", "value", "description", "allowed_hosts_text", *readonly_fields]
    actions = None  # bulk delete would bypass the audit trail

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("encrypted_value")

    def save_model(self, request: HttpRequest, obj: Secret, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            if not change:
                created = services.secret_create(
                    name=data["name"],
                    value=data["value"],
                    description=data.get("description", ""),
                    allowed_hosts=data["allowed_hosts"],
                    user=request.user,
                )
                obj.pk = created.pk
                return
            if data.get("value"):
                services.secret_replace_value(secret=obj, value=data["value"], user=request.user)
            services.secret_update(
                secret=obj,
                description=data.get("description", ""),
                allowed_hosts=data["allowed_hosts"],
                user=request.user,
            )
        except (ValidationError, SecretError) as exc:
            # The form already validated; this is a race or a key problem: say so plainly.
            raise ValidationError(str(exc)) from None

    def delete_model(self, request: HttpRequest, obj: Secret) -> None:
        services.secret_delete(secret=obj, user=request.user)


@admin.register(SecretAuditEvent)
class SecretAuditEventAdmin(AuditAdminBase):
    list_display = ["at", "secret_name", "action", "actor", "run_id", "detail"]
    list_filter = ["action"]
    search_fields = ["secret_name", "run_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
