"""Complaints: categories (with their SLA, routing and questions), the complaints themselves,
their append-only timeline, supporters ("me too") and response templates."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jaki.media.models import StoredImage

DEFAULT_COORDINATION_HOURS = 6  # Pergub 128/2017: coordinate within 6 hours
DEFAULT_RESOLUTION_HOURS = 7 * 24  # ... and resolve within 7 days
REOPEN_DAYS = 7  # the reporter may rate or reopen within 7 days of the resolution
AUTO_CLOSE_DAYS = 3  # a resolved complaint closes by itself after 3 days without a reopen
ESCALATE_AFTER = timedelta(days=1)  # overdue for a further day: the parent office is told
DESCRIPTION_MAX = 4000  # Open311's limit
MAX_PHOTOS = 3


def _bilingual(value_id: str, value_en: str) -> str:
    return value_en if get_language() == "en" and value_en else value_id


class Category(models.Model):
    """What a resident can report, with the clock and the office that answer it."""

    class Routing(models.TextChoices):
        KELURAHAN = "kelurahan", _("The kelurahan office of the location")
        ORGANISATION = "organisation", _("A named organisation")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_id = models.TextField(_("description (Indonesian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    icon = models.CharField(_("icon"), max_length=64, blank=True, help_text=_("An icon name."))
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    coordination_sla_hours = models.PositiveIntegerField(
        _("hours to coordinate"), default=DEFAULT_COORDINATION_HOURS
    )
    resolution_sla_hours = models.PositiveIntegerField(
        _("hours to resolve"), default=DEFAULT_RESOLUTION_HOURS
    )
    routing = models.CharField(
        _("routing"), max_length=16, choices=Routing.choices, default=Routing.KELURAHAN
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where complaints go when the routing names an organisation."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                name="category_routing_names_organisation",
                condition=Q(routing="kelurahan") | Q(organisation__isnull=False),
                violation_error_message=_("Name the organisation this category routes to."),
            ),
            models.CheckConstraint(
                name="category_sla_positive",
                condition=Q(coordination_sla_hours__gt=0, resolution_sla_hours__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _bilingual(self.name_id, self.name_en)

    @property
    def description(self) -> str:
        return _bilingual(self.description_id, self.description_en)


class Question(models.Model):
    """An extra question of a category, as an Open311 attribute."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLE = "singlevaluelist", _("One of a list")
        MULTI = "multivaluelist", _("Several of a list")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="questions"
    )
    code = models.SlugField(_("code"), max_length=64)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    label_id = models.CharField(_("question (Indonesian)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200)
    # [{"key": "...", "name_id": "...", "name_en": "..."}] for the list datatypes
    values = models.JSONField(_("values"), default=list, blank=True)
    personal = models.BooleanField(
        _("personal"),
        default=False,
        help_text=_("Answers are personal data: shown to staff only, erased with the reporter."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="question_code_unique")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return _bilingual(self.label_id, self.label_en)

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or []]

    def value_name(self, value: dict) -> str:
        return _bilingual(value.get("name_id", ""), value.get("name_en", ""))


class Status(models.TextChoices):
    # The public labels are Jakarta's: Menunggu, Koordinasi, Disposisi, Proses, Selesai.
    SUBMITTED = "submitted", _("Waiting")
    VERIFIED = "verified", _("Coordination")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = (Status.SUBMITTED, Status.VERIFIED, Status.DISPATCHED, Status.IN_PROGRESS)
ENDED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.DUPLICATE)


class Complaint(models.Model):
    """One report. `office` is the kelurahan office it was routed to (it coordinates);
    `organisation` is whoever answers for it now (the office, or the agency it dispatched to)."""

    Status = Status

    class Source(models.TextChoices):
        APP = "app", _("JAKI app")
        OPEN311 = "open311", _("Open311 client")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    ticket = models.CharField(_("ticket"), max_length=20, unique=True, editable=False)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="complaints"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    public = models.BooleanField(
        _("public"), default=False, help_text=_("Details visible to everyone (never the name).")
    )
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    personal_details = models.TextField(
        _("personal details"),
        max_length=DESCRIPTION_MAX,
        blank=True,
        help_text=_("What the reporter marked personal: staff only, erased with the reporter."),
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    kelurahan = models.ForeignKey(
        "regions.Region", verbose_name=_("kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    kecamatan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kecamatan"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    kota = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kota"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    office = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("coordinating office"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    photos = models.ManyToManyField(
        StoredImage, verbose_name=_("photos"), related_name="+", blank=True
    )

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    # Open311 clients may send a name and contact of their own: personal data, erasable.
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.APP
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey",
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    coordination_due_at = models.DateTimeField(_("coordinate by"))
    resolution_due_at = models.DateTimeField(_("resolve by"))
    coordinated_at = models.DateTimeField(_("coordinated at"), null=True, blank=True)
    coordination_overdue_at = models.DateTimeField(
        _("coordination overdue since"), null=True, blank=True
    )
    resolution_overdue_at = models.DateTimeField(
        _("resolution overdue since"), null=True, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    response = models.TextField(_("response"), max_length=DESCRIPTION_MAX, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    support_count = models.PositiveIntegerField(_("supporters"), default=0)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="complaint_rating_1_to_5",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
            ),
            models.CheckConstraint(
                name="complaint_duplicate_names_original",
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
            ),
        ]
        indexes = [
            # The public feed near a point and `similar`: a box on lat/lon, then exact distance.
            # Each holds what `nearby` reads of the box (id, lat, lon) and what a feed filters
            # on, so the box is an index-only scan: no heap page per complaint in it.
            models.Index(
                fields=["lat", "lon"],
                include=["id", "status", "category"],
                name="complaint_feed_geo_idx",
                condition=Q(public=True) & ~Q(status="rejected"),
            ),
            models.Index(
                fields=["category", "lat", "lon"],
                include=["id"],
                name="complaint_similar_geo_idx",
                condition=Q(status__in=["submitted", "verified", "dispatched", "in_progress"]),
            ),
            models.Index(fields=["reporter", "-submitted_at"], name="complaint_reporter_idx"),
            models.Index(fields=["status", "coordination_due_at"], name="complaint_coord_due_idx"),
            models.Index(fields=["status", "resolution_due_at"], name="complaint_resol_due_idx"),
            models.Index(fields=["organisation", "status"], name="complaint_org_status_idx"),
            models.Index(fields=["office", "status"], name="complaint_office_status_idx"),
            models.Index(fields=["-submitted_at", "-id"], name="complaint_submitted_idx"),
        ]

    def __str__(self) -> str:
        return self.ticket

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def due_at(self):
        """The deadline that runs now: coordination until the office acts, then resolution."""
        if self.status == Status.SUBMITTED:
            return self.coordination_due_at
        if self.status in OPEN_STATUSES:
            return self.resolution_due_at
        return None

    @property
    def is_overdue(self) -> bool:
        due = self.due_at
        return due is not None and due < timezone.now()

    @property
    def reopen_until(self):
        if self.resolved_at is None:
            return None
        return self.resolved_at + timedelta(days=REOPEN_DAYS)


class TicketCounter(models.Model):
    """The last ticket number of a year: JKT-2026-000123 counts from 1 every January."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Event(models.Model):
    """One entry of a complaint's timeline; written once, never changed. Internal notes are
    `public=False` (staff only)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        NOTE = "note", _("Internal note")
        REOPENED = "reopened", _("Reopened")
        RATED = "rated", _("Rated")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated")
        SUPPORTERS = "supporters", _("Supporters moved")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    public = models.BooleanField(_("public"), default=True)
    text = models.TextField(_("text"), max_length=DESCRIPTION_MAX, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The reporter's own words in the timeline are personal data of the reporter.
    by_reporter = models.BooleanField(_("by the reporter"), default=False)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    attachments = models.ManyToManyField(
        StoredImage, verbose_name=_("attachments"), related_name="+", blank=True
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="event_complaint_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Support(models.Model):
    """A resident's "me too": once per resident and complaint."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "user"], name="support_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.user_id}"


class ResponseTemplate(models.Model):
    """A reply staff pick instead of typing: per category (or all) and per status moved to."""

    title = models.CharField(_("title"), max_length=120)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="templates",
        help_text=_("Empty: every category."),
    )
    status = models.CharField(
        _("for status"),
        max_length=16,
        choices=Status.choices,
        blank=True,
        help_text=_("Empty: any move."),
    )
    text_id = models.TextField(_("text (Indonesian)"), max_length=DESCRIPTION_MAX)
    text_en = models.TextField(_("text (English)"), max_length=DESCRIPTION_MAX, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def text_in(self, language: str) -> str:
        """The reply in the reporter's language, Indonesian when it has no English."""
        return self.text_en if language == "en" and self.text_en else self.text_id
