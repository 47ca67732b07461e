import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaki.accounts.models import Language


class Device(models.Model):
    """A phone or browser that can receive push, owned by one resident at a time."""

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        WEB = "web", "Web"

    token = models.CharField(_("FCM registration token"), max_length=512, unique=True)
    fid = models.CharField(_("Firebase installation id"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="devices",
    )
    platform = models.CharField(_("platform"), max_length=8, choices=Platform.choices)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.INDONESIAN
    )
    app_version = models.CharField(_("app version"), max_length=32, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    kelurahan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kelurahan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The FCM topic the device is subscribed to now ("" for none); moved when kelurahan changes.
    topic = models.CharField(_("topic"), max_length=128, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_test = models.BooleanField(
        _("test device"), default=False, help_text=_("Receives Test and Exercise warnings.")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivation_reason = models.CharField(_("deactivation reason"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [
            models.Index(fields=["user", "is_active"], name="device_user_active_idx"),
            models.Index(
                fields=["kelurahan"], condition=Q(is_active=True), name="device_active_kel_idx"
            ),
            models.Index(
                fields=["lat", "lon"], condition=Q(is_active=True), name="device_active_point_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} …{self.token[-8:]}"


class Notification(models.Model):
    """One message to many: the record a sending service reads its delivery counts from."""

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    title_id = models.CharField(_("title (Indonesian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_id = models.TextField(_("body (Indonesian)"))
    body_en = models.TextField(_("body (English)"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    ttl_seconds = models.PositiveIntegerField(_("time to live (s)"), default=86400)
    collapse_key = models.CharField(_("collapse key"), max_length=128, blank=True)
    # Who it is for: {"users": [...]}, {"devices": [...]}, {"kelurahan": [...]}, {"area": …},
    # {"everyone": true}; kept so the fan-out can run (and re-run) from the record alone.
    audience = models.JSONField(_("audience"), default=dict)
    via_topic = models.BooleanField(_("sent to topics"), default=False)
    inbox = models.BooleanField(_("kept in the inbox"), default=True)
    is_test = models.BooleanField(_("test"), default=False)
    source = models.CharField(_("source"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    planned_at = models.DateTimeField(_("fan-out planned at"), null=True, blank=True)
    targeted = models.PositiveIntegerField(_("targeted"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    pruned = models.PositiveIntegerField(_("pruned"), default=0)
    first_sent_at = models.DateTimeField(_("first sent at"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["-created_at"], name="notification_created_idx"),
            # The requeue sweeper's search: the few not done yet, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(state__in=["queued", "sending"]),
                name="notification_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title_id

    def title(self, language: str) -> str:
        return (self.title_en if language == "en" else "") or self.title_id

    def body(self, language: str) -> str:
        return (self.body_en if language == "en" else "") or self.body_id


class Delivery(models.Model):
    """One notification to one device, written `sending` when a task claims it just before it
    goes out, so a redelivered task never sends it twice (see services.deliveries_send)."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        RETRY = "retry", _("Waiting to retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        PRUNED = "pruned", _("Token pruned")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # When a `retry` is due: the requeue sweeper resends one whose countdown task was lost.
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "device"], name="delivery_once_per_device"
            )
        ]
        indexes = [
            models.Index(
                fields=["retry_at"], condition=Q(status="retry"), name="delivery_retry_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.device_id}: {self.status}"


class InboxItem(models.Model):
    """A notification as one resident's inbox shows it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="inbox_items"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="inbox_once_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="inbox_user_newest_idx"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="inbox_user_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.notification_id}"
