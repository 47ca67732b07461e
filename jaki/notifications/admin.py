"""Notifications in the admin: what was sent and how it went, devices, and a test push.

Notifications, deliveries and inbox items are written by services only, so they are read-only
here. A device's `is_test` flag (who receives Test and Exercise warnings) is the one thing staff
change by hand.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from jaki.accounts.admin import PhoneSearchMixin
from jaki.api import DomainError
from jaki.notifications import selectors, services
from jaki.notifications.models import Delivery, Device, InboxItem, Notification

# A test push is for checking a few phones, not for reaching the city by "select all".
TEST_PUSH_MAX_DEVICES = 100


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def masked_owner(obj) -> str:
    return obj.user.masked_phone or "—"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "title_id",
        "source",
        "state",
        "priority",
        "targeted",
        "sent",
        "failed",
        "pruned",
        "first_sent_at",
        "last_sent_at",
    )
    list_filter = ("kind", "state", "priority", "is_test")
    search_fields = ("title_id", "title_en")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("public_id", "kind", "source", "created_at", "is_test")}),
        (_("Message"), {"fields": ("title_id", "body_id", "title_en", "body_en", "data")}),
        (
            _("Sending"),
            {
                "fields": (
                    "audience",
                    "via_topic",
                    "inbox",
                    "priority",
                    "ttl_seconds",
                    "collapse_key",
                )
            },
        ),
        (
            _("Delivery"),
            {
                "fields": (
                    "state",
                    "targeted",
                    "sent",
                    "failed",
                    "pruned",
                    "first_sent_at",
                    "last_sent_at",
                    "deliveries_link",
                )
            },
        ),
    )
    readonly_fields = ("deliveries_link",)

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, notification: Notification) -> str:
        # A broadcast has a delivery per device: linked to a filtered list, never inlined.
        url = reverse("admin:notifications_delivery_changelist")
        return format_html(
            '<a href="{}?notification__id__exact={}">{}</a>',
            url,
            notification.pk,
            _("Per-device deliveries"),
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notification", "device", "status", "attempts", "error", "updated_at")
    list_filter = ("status",)
    list_select_related = ("notification", "device")
    ordering = ("-updated_at",)
    show_full_result_count = False


@admin.register(InboxItem)
class InboxItemAdmin(PhoneSearchMixin, ReadOnlyAdmin):
    list_display = ("owner", "notification", "created_at", "read_at")
    list_filter = ("read_at",)
    list_select_related = ("user", "notification")
    search_fields = ("notification__title_id",)
    ordering = ("-created_at",)
    show_full_result_count = False
    exclude = ("user",)
    readonly_fields = ("owner",)

    @admin.display(description=_("owner"), ordering="user__phone")
    def owner(self, item: InboxItem) -> str:
        return masked_owner(item)


@admin.register(Device)
class DeviceAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = (
        "short_token",
        "owner",
        "platform",
        "language",
        "kelurahan",
        "is_active",
        "is_test",
        "last_seen_at",
    )
    list_filter = ("platform", "is_active", "is_test", "language")
    list_select_related = ("user", "kelurahan")
    search_fields = ("kelurahan__name", "kelurahan__code")
    ordering = ("-last_seen_at",)
    actions = ("send_test_push",)
    # Tokens address a phone: shown truncated, and the owner's number masked (UU PDP).
    fields = (
        "short_token",
        "fid",
        "owner",
        "platform",
        "language",
        "app_version",
        "lat",
        "lon",
        "kelurahan",
        "topic",
        "is_active",
        "is_test",
        "created_at",
        "last_seen_at",
        "deactivated_at",
        "deactivation_reason",
    )
    readonly_fields = tuple(f for f in fields if f != "is_test")

    def get_queryset(self, request):
        # A kelurahan's boundary is thousands of coordinates the list never shows.
        return super().get_queryset(request).defer("kelurahan__boundary")

    def has_add_permission(self, request) -> bool:
        return False  # devices register themselves through the API

    def save_model(self, request, obj, form, change):
        # Only is_test is edited here; saving every field could undo a location, topic or
        # deactivation the services wrote while the form was open.
        obj.save(update_fields=["is_test"])

    @admin.display(description=_("token"))
    def short_token(self, device: Device) -> str:
        return f"{device.token[:6]}…{device.token[-6:]}"

    @admin.display(description=_("owner"), ordering="user__phone")
    def owner(self, device: Device) -> str:
        return masked_owner(device)

    @admin.action(description=_("Send a test push"), permissions=["change"])
    def send_test_push(self, request, queryset):
        count = queryset.count()
        if count > TEST_PUSH_MAX_DEVICES:
            self.message_user(
                request,
                _("A test push goes to at most %(limit)d devices; %(count)d were selected.")
                % {"limit": TEST_PUSH_MAX_DEVICES, "count": count},
                messages.ERROR,
            )
            return
        try:
            notification = services.notify(
                kind="test",
                title=services.TEST_PUSH_TITLE,
                body=services.TEST_PUSH_BODY,
                devices=queryset.select_related(None).only("pk"),
                inbox=False,
                source="admin",
            )
        except DomainError as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return
        delivery = selectors.notification_delivery(notification=notification)
        counts = {key: delivery[key] for key in ("targeted", "sent", "failed", "pruned")}
        if delivery["state"] != Notification.State.DONE:
            message = _(
                "Test push queued: targeted %(targeted)d, sent %(sent)d, failed %(failed)d, "
                "pruned %(pruned)d so far. The notification's page shows the final counts."
            )
        else:
            message = ngettext(
                "Test push to %(targeted)d device: sent %(sent)d, failed %(failed)d, "
                "pruned %(pruned)d.",
                "Test push to %(targeted)d devices: sent %(sent)d, failed %(failed)d, "
                "pruned %(pruned)d.",
                counts["targeted"],
            )
        level = messages.SUCCESS if counts["sent"] else messages.WARNING
        self.message_user(request, message % counts, level)
