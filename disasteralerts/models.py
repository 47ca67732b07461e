"""CAP 1.2 as tables: an Alert (the message), one Info per language, and its Areas.

Field names follow CAP (OASIS CAP 1.2) in snake case; the workflow fields (state, author,
approver) are ours. An Update or Cancel is a new Alert whose `references` name the messages it
replaces, as CAP has it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SHORT_TEXT_MAX = 90  # WEA's short message
LONG_TEXT_MAX = 360  # WEA's long message
LANGUAGES = ("id", "en")


class Status(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    SYSTEM = "System", _("System")
    TEST = "Test", _("Test")
    DRAFT = "Draft", _("Draft")


# Everything but Actual stays away from the public (CAP: "not for public dissemination").
PUBLIC_STATUSES = (Status.ACTUAL,)


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel")


class Scope(models.TextChoices):
    PUBLIC = "Public", _("Public")
    RESTRICTED = "Restricted", _("Restricted")
    PRIVATE = "Private", _("Private")


class Category(models.TextChoices):
    GEO = "Geo", _("Geophysical")
    MET = "Met", _("Meteorological")
    SAFETY = "Safety", _("Safety")
    SECURITY = "Security", _("Security")
    RESCUE = "Rescue", _("Rescue")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Environmental")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Infrastructure")
    CBRNE = "CBRNE", _("CBRNE")
    OTHER = "Other", _("Other")


class ResponseType(models.TextChoices):
    SHELTER = "Shelter", _("Shelter")
    EVACUATE = "Evacuate", _("Evacuate")
    PREPARE = "Prepare", _("Prepare")
    EXECUTE = "Execute", _("Execute")
    AVOID = "Avoid", _("Avoid")
    MONITOR = "Monitor", _("Monitor")
    ASSESS = "Assess", _("Assess")
    ALL_CLEAR = "AllClear", _("All clear")
    NONE = "None", _("None")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate")
    EXPECTED = "Expected", _("Expected")
    FUTURE = "Future", _("Future")
    PAST = "Past", _("Past")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class State(models.TextChoices):
    """Our workflow (API.md): draft -> pending -> broadcast -> (updated | cancelled | expired)."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    BROADCAST = "broadcast", _("Broadcast")
    UPDATED = "updated", _("Updated")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Alert(models.Model):
    """One CAP message and its way through the two-person workflow."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    identifier = models.CharField(_("identifier"), max_length=255, unique=True)
    sender = models.CharField(_("sender"), max_length=255)
    # CAP's <sent>: when the message went out (approval); None while it is a draft.
    sent = models.DateTimeField(_("sent"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    msg_type = models.CharField(
        _("message type"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.PUBLIC)
    restriction = models.TextField(_("restriction"), blank=True)
    note = models.TextField(_("note"), blank=True)
    references = models.ManyToManyField(
        "self",
        verbose_name=_("references"),
        symmetrical=False,
        related_name="referenced_by",
        blank=True,
    )
    # References to messages held elsewhere (an imported CAP): "sender,identifier,sent" triples.
    external_references = models.TextField(_("external references"), blank=True)
    incidents = models.CharField(_("incidents"), max_length=255, blank=True)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    hazard = models.CharField(_("hazard template"), max_length=32, blank=True)
    # Where the draft came from: an officer, or an importer (cap, bmkg, watergate, …).
    source = models.CharField(_("source"), max_length=32, default="officer")
    source_ref = models.CharField(_("source reference"), max_length=255, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The latest `expires` of its infos: the active list filters on it, so an alert leaves it
    # by itself when the time comes.
    expires = models.DateTimeField(_("expires"))
    # Filled at approval: the kelurahan the areas reach (the list's point filter reads it).
    covered_kelurahan = models.JSONField(_("covered kelurahan"), default=list, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("notification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic_notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("topic notification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        constraints = [
            # The two-person rule, held by the database too (Hawaii, 2018).
            models.CheckConstraint(
                condition=Q(approver__isnull=True)
                | Q(author__isnull=True)
                | ~Q(approver=F("author")),
                name="alert_approver_is_not_author",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "pending"]) | Q(sent__isnull=False),
                name="alert_sent_once_broadcast",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires"], condition=Q(state="broadcast"), name="alert_active_idx"
            ),
            models.Index(fields=["state", "-created_at"], name="alert_state_created_idx"),
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def is_test(self) -> bool:
        """Anything but Actual is kept from the public: test devices only, marked as such."""
        return self.status not in PUBLIC_STATUSES

    @property
    def incident(self) -> str:
        """The collapse key: an Update replaces the earlier notification on the phone."""
        return (self.incidents.split() or [self.identifier])[0]

    def info(self, language: str) -> "Info | None":
        infos = {info.language: info for info in self.infos.all()}
        return infos.get(language) or infos.get("id") or next(iter(infos.values()), None)


class Info(models.Model):
    """CAP <info>: the warning in one language."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="infos")
    language = models.CharField(_("language"), max_length=2)
    category = models.JSONField(_("categories"), default=list)
    event = models.CharField(_("event"), max_length=120)
    response_type = models.JSONField(_("response types"), default=list, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    effective = models.DateTimeField(_("effective"))
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"))
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    web = models.URLField(_("web"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    short_text = models.CharField(_("short text"), max_length=SHORT_TEXT_MAX, blank=True)
    long_text = models.CharField(_("long text"), max_length=LONG_TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("warning text")
        verbose_name_plural = _("warning texts")
        constraints = [
            models.UniqueConstraint(fields=["alert", "language"], name="info_once_per_language"),
            models.CheckConstraint(
                condition=Q(expires__gt=F("effective")), name="info_expires_after_effective"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} [{self.language}] {self.headline}"


class Area(models.Model):
    """CAP <area>: polygons (closed [lat, lon] rings), circles and kelurahan geocodes."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="areas")
    description = models.CharField(_("description"), max_length=255)
    polygons = models.JSONField(_("polygons"), default=list, blank=True)  # [[[lat, lon], …], …]
    circles = models.JSONField(_("circles"), default=list, blank=True)  # [{lat, lon, radius_km}]
    kelurahan = models.JSONField(_("kelurahan codes"), default=list, blank=True)  # "31.71.01.1001"

    class Meta:
        verbose_name = _("warning area")
        verbose_name_plural = _("warning areas")

    def __str__(self) -> str:
        return self.description


class WaterGate(models.Model):
    """A water gate or observation post (pintu air, pos pantau) with its Siaga thresholds.

    BPBD DKI's flood levels (DOMAIN.md 2): Siaga 4 normal, 3 waspada, 2 kritis, 1 bencana. The
    thresholds are per gate and are data (admin, seed migration), never code: a level at or
    above `siaga1_cm` is Siaga 1, at or above `siaga2_cm` Siaga 2, `siaga3_cm` Siaga 3. A gate
    without thresholds keeps the Siaga its source reports. Reaching Siaga 2 or 1 drafts a
    flood warning for `downstream_kelurahan` (watergates.py).
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    river = models.CharField(_("river"), max_length=120, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    # The DSDA flood API's record ("pintu_air:6", "pos_pengamatan:7"): what a snapshot updates.
    dsda_ref = models.CharField(_("DSDA reference"), max_length=64, blank=True)
    siaga3_cm = models.IntegerField(_("Siaga 3 from (cm)"), null=True, blank=True)
    siaga2_cm = models.IntegerField(_("Siaga 2 from (cm)"), null=True, blank=True)
    siaga1_cm = models.IntegerField(_("Siaga 1 from (cm)"), null=True, blank=True)
    downstream_kelurahan = models.JSONField(
        _("downstream kelurahan"), default=list, blank=True
    )  # Kemendagri codes, "31.74.09.1002"
    downstream_description = models.CharField(
        _("downstream area description"), max_length=120, blank=True
    )
    # The latest reading (by measurement time), and the most severe Siaga a warning was drafted
    # for during the current rise (cleared when the gate is back at Siaga 4).
    last_measured_at = models.DateTimeField(_("last measured at"), null=True, blank=True)
    last_level_cm = models.FloatField(_("last level (cm)"), null=True, blank=True)
    last_siaga = models.PositiveSmallIntegerField(_("last Siaga"), null=True, blank=True)
    drafted_siaga = models.PositiveSmallIntegerField(
        _("Siaga drafted in this rise"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("water gate")
        verbose_name_plural = _("water gates")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(siaga3_cm__isnull=True)
                | Q(siaga2_cm__isnull=True)
                | Q(siaga1_cm__isnull=True)
                | (Q(siaga3_cm__lt=F("siaga2_cm")) & Q(siaga2_cm__lt=F("siaga1_cm"))),
                name="watergate_thresholds_rise",
            ),
            models.UniqueConstraint(
                fields=["dsda_ref"], condition=~Q(dsda_ref=""), name="watergate_dsda_ref_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_thresholds(self) -> bool:
        return None not in (self.siaga3_cm, self.siaga2_cm, self.siaga1_cm)

    def siaga(self, level_cm: float) -> int | None:
        """The Siaga level (4 normal .. 1 disaster) of a water level, by this gate's table."""
        if not self.has_thresholds:
            return None
        for level, threshold in ((1, self.siaga1_cm), (2, self.siaga2_cm), (3, self.siaga3_cm)):
            if level_cm >= threshold:
                return level
        return 4


class GateReading(models.Model):
    """One water level at a gate at one time; a gauge sending it twice stores it once."""

    gate = models.ForeignKey(WaterGate, on_delete=models.CASCADE, related_name="readings")
    measured_at = models.DateTimeField(_("measured at"))
    level_cm = models.FloatField(_("level (cm)"))
    siaga = models.PositiveSmallIntegerField(_("Siaga"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=32)  # gauge, dsda, …
    source_ref = models.CharField(_("source reference"), max_length=128, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("drafted warning"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("water-gate reading")
        verbose_name_plural = _("water-gate readings")
        constraints = [
            models.UniqueConstraint(fields=["gate", "measured_at"], name="gatereading_once"),
        ]

    def __str__(self) -> str:
        return f"{self.gate_id} {self.measured_at:%Y-%m-%d %H:%M} {self.level_cm:g} cm"
