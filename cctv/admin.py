"""The operators' screens: cameras with status and uptime, what is offline now, groups and the
status history. Operators (`cctv_operator`) see their organisation's subtree; superusers all.

The origin and snapshot URLs are write-only here: the form takes a new one, nothing shows the
stored one. Views of restricted cameras are in the platform's audit log (Audit entries)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cctv import services
from cctv.models import Camera, CameraGroup, OfflineCamera, StatusChange
from cctv.services.viewing import AUDIT_KIND
from jaki.accounts.models import Role
from jaki.accounts.permissions import OrganisationScopedAdmin
from jaki.api import DomainError

_NO_SECRETS = ("stream_url_encrypted", "snapshot_url_encrypted", "kelurahan__boundary")


class CameraForm(forms.ModelForm):
    stream_url = forms.CharField(
        label=_("origin stream URL"),
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Write-only: leave empty to keep the stored one. Stored encrypted."),
    )
    snapshot_url = forms.CharField(
        label=_("snapshot URL"),
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Write-only: leave empty to keep the stored one. Stored encrypted."),
    )
    clear_snapshot_url = forms.BooleanField(label=_("remove the snapshot URL"), required=False)

    class Meta:
        model = Camera
        fields = ("code", "name", "lat", "lon", "category", "organisation", "groups", "public")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("stream_url"):
            self.add_error("stream_url", _("A new camera needs its origin stream URL."))
        for field, kind in (("stream_url", "stream"), ("snapshot_url", "snapshot")):
            if data.get(field):
                try:
                    services.source_url_check(data[field], kind=kind)
                except DomainError as exc:
                    self.add_error(field, str(exc.detail))
        return data


class ScopedAdmin(OrganisationScopedAdmin, admin.ModelAdmin):
    scope_role = Role.CCTV_OPERATOR


@admin.register(Camera)
class CameraAdmin(ScopedAdmin):
    form = CameraForm
    list_display = (
        "code",
        "name",
        "category",
        "status",
        "uptime_24h",
        "uptime_7d",
        "last_checked_at",
        "organisation",
        "kelurahan",
        "public",
    )
    list_filter = (
        "status",
        "category",
        ("organisation", admin.RelatedOnlyFieldListFilter),
        ("kelurahan", admin.RelatedOnlyFieldListFilter),
        "public",
    )
    list_select_related = ("organisation", "kelurahan")
    search_fields = ("code", "name")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("groups",)
    actions = ("maintenance_on", "maintenance_off")
    readonly_fields = (
        "public_id",
        "kelurahan",
        "status",
        "secrets_set",
        "last_error",
        "last_checked_at",
        "last_online_at",
        "offline_since",
        "uptime_24h",
        "uptime_7d",
        "snapshot_captured_at",
        "audit_log",
    )
    fieldsets = (
        (None, {"fields": ("code", "name", "category", "organisation", "groups", "public")}),
        (_("Location"), {"fields": ("lat", "lon", "kelurahan")}),
        (
            _("Sources (write-only)"),
            {"fields": ("secrets_set", "stream_url", "snapshot_url", "clear_snapshot_url")},
        ),
        (
            _("Health"),
            {
                "fields": (
                    "status",
                    "last_error",
                    "last_checked_at",
                    "last_online_at",
                    "offline_since",
                    "uptime_24h",
                    "uptime_7d",
                    "snapshot_captured_at",
                )
            },
        ),
        (_("Accountability"), {"fields": ("public_id", "audit_log")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*_NO_SECRETS)

    @admin.display(description=_("sources"))
    def secrets_set(self, camera: Camera) -> str:
        if camera.pk is None:
            return "-"
        stored = Camera.objects.filter(pk=camera.pk).values(
            "stream_url_encrypted", "snapshot_url_encrypted"
        )[0]
        stream = _("stream URL stored") if stored["stream_url_encrypted"] else _("no stream URL")
        snapshot = (
            _("snapshot URL stored") if stored["snapshot_url_encrypted"] else _("no snapshot URL")
        )
        return f"{stream}; {snapshot}"

    @admin.display(description=_("audit log"))
    def audit_log(self, camera: Camera) -> str:
        if camera.pk is None or camera.public:
            return _("Only views of restricted cameras are audited.")
        query = urlencode({"obj_kind": AUDIT_KIND, "q": str(camera.public_id)})
        url = f"{reverse('admin:audit_auditentry_changelist')}?{query}"
        return format_html('<a href="{}">{}</a>', url, _("Views of this camera"))

    def save_model(self, request, obj, form, change):
        snapshot = form.cleaned_data.get("snapshot_url") or None
        if form.cleaned_data.get("clear_snapshot_url"):
            snapshot = ""
        services.camera_save(
            camera=obj,
            stream_url=form.cleaned_data.get("stream_url") or None,
            snapshot_url=snapshot,
        )

    @admin.action(description=_("Put into maintenance"), permissions=["change"])
    def maintenance_on(self, request, queryset):
        changed = services.cameras_set_maintenance(cameras=queryset, on=True)
        self._report(request, changed)

    @admin.action(description=_("Take out of maintenance"), permissions=["change"])
    def maintenance_off(self, request, queryset):
        changed = services.cameras_set_maintenance(cameras=queryset, on=False)
        self._report(request, changed)

    def _report(self, request, changed: int) -> None:
        self.message_user(
            request,
            ngettext("%(n)d camera changed.", "%(n)d cameras changed.", changed) % {"n": changed},
            messages.SUCCESS,
        )


@admin.register(OfflineCamera)
class OfflineCameraAdmin(ScopedAdmin):
    """What is down now, longest first."""

    list_display = (
        "code",
        "name",
        "offline_since",
        "offline_for",
        "last_error",
        "organisation",
        "kelurahan",
        "lat",
        "lon",
    )
    list_filter = (
        "category",
        ("organisation", admin.RelatedOnlyFieldListFilter),
        ("kelurahan", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("organisation", "kelurahan")
    search_fields = ("code", "name")
    ordering = ("offline_since", "code")
    fields = list_display[:-2]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(status=Camera.Status.OFFLINE).defer(*_NO_SECRETS)
        )

    @admin.display(description=_("offline for"))
    def offline_for(self, camera: Camera) -> str:
        if camera.offline_since is None:
            return "-"
        minutes = int((timezone.now() - camera.offline_since).total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CameraGroup)
class CameraGroupAdmin(ScopedAdmin):
    list_display = ("code", "name", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("code", "name")
    autocomplete_fields = ("organisation",)


@admin.register(StatusChange)
class StatusChangeAdmin(ScopedAdmin):
    scope_field = "camera__organisation"
    list_display = ("at", "camera", "from_status", "to_status", "reason")
    list_filter = ("to_status", "reason")
    list_select_related = ("camera",)
    search_fields = ("camera__code", "camera__name")
    date_hierarchy = "at"
    readonly_fields = ("at", "camera", "from_status", "to_status", "reason")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("camera__stream_url_encrypted", "camera__snapshot_url_encrypted")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
