"""The auditors' screen: the audit log, read-only for everyone, superusers included."""

from django.contrib import admin

from jaki.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "actor", "obj_kind", "obj_id", "client_address")
    list_filter = ("action", "obj_kind", "created_at")
    list_select_related = ("actor",)
    search_fields = ("obj_kind", "obj_id", "actor__public_id", "actor__name", "client_address")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    # Reading needs the model's view permission ("audit.view_auditentry", given by the
    # `auditor` role); nobody adds, changes or deletes a row here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
