"""Cameras: the catalogue, their health, residents' favourites and the stream sessions handed out.

A camera's origin stream URL and snapshot URL are secrets (credentials often sit inside them):
they are stored only encrypted (`vault.py`), and no model property decrypts them, so nothing that
renders a camera (API, admin, logs) can show them by accident.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    TRAFFIC = "traffic", _("Traffic")
    FLOOD_GATE = "flood_gate", _("Flood gate")
    RIVER = "river", _("River")
    PUBLIC_SPACE = "public_space", _("Public space")


class Status(models.TextChoices):
    ONLINE = "online", _("Online")
    DEGRADED = "degraded", _("Degraded")
    OFFLINE = "offline", _("Offline")
    MAINTENANCE = "maintenance", _("Maintenance")


class CameraGroup(models.Model):
    """A set of cameras an organisation's operators watch together (a corridor, a river)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("camera group")
        verbose_name_plural = _("camera groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Camera(models.Model):
    Category = Category
    Status = Status

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(
        _("code"), max_length=64, unique=True, help_text=_("Also the camera's path on the edge.")
    )
    name = models.CharField(_("name"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    kelurahan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kelurahan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    groups = models.ManyToManyField(
        CameraGroup, verbose_name=_("groups"), blank=True, related_name="cameras"
    )
    # Fernet tokens (vault.py); never decrypted for display.
    stream_url_encrypted = models.TextField(_("origin stream URL (encrypted)"), editable=False)
    snapshot_url_encrypted = models.TextField(
        _("snapshot URL (encrypted)"), blank=True, editable=False
    )
    public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Restricted cameras are seen only by the owning organisation's operators."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OFFLINE
    )
    # The probes' state machine (services.cameras_probe_cycle).
    consecutive_failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    consecutive_successes = models.PositiveSmallIntegerField(_("successes in a row"), default=0)
    last_error = models.CharField(_("last probe error"), max_length=32, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_online_at = models.DateTimeField(_("last online"), null=True, blank=True)
    offline_since = models.DateTimeField(_("offline since"), null=True, blank=True)
    offline_notified_at = models.DateTimeField(_("operators told at"), null=True, blank=True)
    # Media sequence + segments: it must move between probes for a live stream.
    playlist_position = models.BigIntegerField(_("playlist position"), null=True, blank=True)
    position_changed_at = models.DateTimeField(_("position changed"), null=True, blank=True)
    uptime_24h = models.FloatField(_("uptime 24 h (%)"), null=True, blank=True)
    uptime_7d = models.FloatField(_("uptime 7 days (%)"), null=True, blank=True)
    snapshot = models.ForeignKey(
        "media.StoredImage",
        verbose_name=_("latest snapshot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot_captured_at = models.DateTimeField(_("snapshot captured"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["code"]
        indexes = [
            models.Index(fields=("lat", "lon"), name="cctv_camera_point_idx"),
            models.Index(fields=("status",), name="cctv_camera_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="cctv_camera_point_in_range",
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OfflineCamera(Camera):
    """The operators' "what is down" screen: the same rows, offline ones only (admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("offline camera")
        verbose_name_plural = _("offline cameras")


class UptimeBucket(models.Model):
    """Probe counts of one camera in one hour: 7 days of history in 168 rows a camera, however
    often the probes run (uptime = successes / checks)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    checks = models.PositiveIntegerField(default=0)
    successes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("camera", "hour"), name="cctv_uptime_camera_hour"),
        ]
        indexes = [models.Index(fields=("hour",), name="cctv_uptime_hour_idx")]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.hour:%Y-%m-%d %H}h {self.successes}/{self.checks}"


class StatusChange(models.Model):
    """A camera moving between online, degraded, offline and maintenance: the operators'
    history, written only on a change."""

    camera = models.ForeignKey(
        Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "camera"), name="cctv_favourite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} * {self.camera_id}"


class StreamSession(models.Model):
    """One stream URL handed out: whose it is, for which camera, until when, and (once the edge
    asked) from which address it is played. The token names it by `id`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=("user", "expires_at"), name="cctv_session_user_idx"),
            models.Index(fields=("expires_at",), name="cctv_session_expiry_idx"),
        ]

    def __str__(self) -> str:
        return str(self.id)
