"""Django admin for the egress allow-list; every change is audited as on the staff page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from connectors.network import allowlist
from connectors.network.models import EgressAllowEntry, EgressAuditEvent

if TYPE_CHECKING:  # the admin classes are generic only for the type checker
    EntryAdminBase = admin.ModelAdmin[EgressAllowEntry]
    AuditAdminBase = admin.ModelAdmin[EgressAuditEvent]
else:
    EntryAdminBase = AuditAdminBase = admin.ModelAdmin


@admin.register(EgressAllowEntry)
class EgressAllowEntryAdmin(EntryAdminBase):
    list_display = ["pattern", "note", "added_by", "added_at"]
    search_fields = ["pattern", "note"]
    readonly_fields = ["added_by", "added_at"]
    fields = ["pattern", "note", "added_by", "added_at"]

    def save_model(
        self, request: HttpRequest, obj: EgressAllowEntry, form: Any, change: bool
    ) -> None:
        if not change:
            obj.added_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        action = EgressAuditEvent.Action.CHANGE if change else EgressAuditEvent.Action.ADD
        allowlist.record_change(obj, action, request.user)

    def delete_model(self, request: HttpRequest, obj: EgressAllowEntry) -> None:
        allowlist.entry_remove(entry=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[EgressAllowEntry]) -> None:
        for entry in queryset:
            allowlist.entry_remove(entry=entry, user=request.user)


@admin.register(EgressAuditEvent)
class EgressAuditEventAdmin(AuditAdminBase):
    list_display = ["at", "pattern", "action", "actor", "note"]
    list_filter = ["action"]
    search_fields = ["pattern"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
