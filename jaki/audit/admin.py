"""The auditors' screen: the audit log, read-only for everyone, superusers included."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jaki.audit.models import AuditAction, AuditEntry


class ActionFilter(admin.SimpleListFilter):
    """The actions the log holds (services name their own), with the platform's labels."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        known = dict(AuditAction.choices)
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(action, known.get(action, action)) for action in actions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action_display", "actor", "obj_kind", "obj_id", "client_address")
    list_filter = (ActionFilter, "obj_kind", "created_at")
    list_select_related = ("actor",)
    search_fields = ("obj_kind", "obj_id", "actor__public_id", "actor__name", "client_address")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, entry: AuditEntry) -> str:
        return entry.action_label

    # Reading needs the model's view permission ("audit.view_auditentry", given by the
    # `auditor` role); nobody adds, changes or deletes a row here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
