"""Air quality: stations, their readings, hourly and daily rollups, each station's latest
index, and residents' alert subscriptions with their saved places.

Readings are stored in µg/m³ whatever unit they came in. Rollups are kept up to date by the
intake (services.readings_ingest) as readings arrive: sums, counts, minima and maxima, so a
mean and its coverage are read, never recomputed from the readings.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from airquality.indexes import ISPU_CATEGORY_ORDER, PARAMETERS

MAX_SAVED_PLACES = 3
DEFAULT_THRESHOLD = "tidak_sehat"


class Parameter(models.TextChoices):
    PM25 = "pm25", "PM2.5"
    PM10 = "pm10", "PM10"
    SO2 = "so2", "SO₂"
    CO = "co", "CO"
    O3 = "o3", "O₃"
    NO2 = "no2", "NO₂"
    HC = "hc", "HC"


assert tuple(Parameter.values) == PARAMETERS


class IspuCategory(models.TextChoices):
    BAIK = "baik", _("Good (Baik)")
    SEDANG = "sedang", _("Moderate (Sedang)")
    TIDAK_SEHAT = "tidak_sehat", _("Unhealthy (Tidak Sehat)")
    SANGAT_TIDAK_SEHAT = "sangat_tidak_sehat", _("Very unhealthy (Sangat Tidak Sehat)")
    BERBAHAYA = "berbahaya", _("Hazardous (Berbahaya)")


assert tuple(IspuCategory.values) == ISPU_CATEGORY_ORDER


class StationKind(models.TextChoices):
    REFERENCE = "reference", _("Reference")
    LOW_COST = "low_cost", _("Low-cost sensor")


class Station(models.Model):
    """A monitoring station: a reference analyser of the city or a low-cost sensor."""

    Kind = StationKind

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    kelurahan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kelurahan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REFERENCE)
    operator = models.CharField(_("operator"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    source_id = models.CharField(
        _("id at the fetched source"),
        max_length=64,
        blank=True,
        help_text=_("The station's id at the periodic fetcher's source (an OpenAQ location id)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ("code",)
        indexes = [models.Index(fields=["lat", "lon"], name="aq_station_point_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Reading(models.Model):
    """One measurement of one parameter at one station, in µg/m³; one per station, parameter
    and time (a resent reading is a duplicate, never a second row)."""

    id = models.BigAutoField(primary_key=True)
    # No index of its own: the unique (station, parameter, time) index serves every lookup.
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    parameter = models.CharField(_("parameter"), max_length=4, choices=Parameter.choices)
    time = models.DateTimeField(_("time"))
    value = models.FloatField(_("value (µg/m³)"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "parameter", "time"], name="aq_reading_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.parameter} {self.time:%Y-%m-%d %H:%M} {self.value}"


class Rollup(models.Model):
    count = models.PositiveIntegerField(_("samples"))
    sum = models.FloatField(_("sum"))
    min = models.FloatField(_("minimum"))
    max = models.FloatField(_("maximum"))

    class Meta:
        abstract = True

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else 0.0


class HourlyRollup(Rollup):
    """Readings of one station and parameter in one hour (UTC hour start)."""

    id = models.BigAutoField(primary_key=True)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+", db_index=False)
    parameter = models.CharField(max_length=4, choices=Parameter.choices)
    hour = models.DateTimeField(_("hour"))

    class Meta:
        verbose_name = _("hourly aggregate")
        verbose_name_plural = _("hourly aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "parameter", "hour"], name="aq_hourly_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.parameter} {self.hour:%Y-%m-%d %H:00}"


class DailyRollup(Rollup):
    """Readings of one station and parameter in one Jakarta day; `hours` is how many of its
    24 hours have at least one reading."""

    id = models.BigAutoField(primary_key=True)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+", db_index=False)
    parameter = models.CharField(max_length=4, choices=Parameter.choices)
    day = models.DateField(_("day"))
    hours = models.PositiveSmallIntegerField(_("hours covered"))

    class Meta:
        verbose_name = _("daily aggregate")
        verbose_name_plural = _("daily aggregates")
        constraints = [
            models.UniqueConstraint(fields=["station", "parameter", "day"], name="aq_daily_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.parameter} {self.day}"


class StationLatest(models.Model):
    """The station's index now, recomputed by the intake: what lists and alerts read."""

    station = models.OneToOneField(
        Station, on_delete=models.CASCADE, primary_key=True, related_name="latest"
    )
    time = models.DateTimeField(_("time"))
    ispu = models.PositiveSmallIntegerField(_("ISPU"), null=True)
    ispu_category = models.CharField(
        _("ISPU category"), max_length=24, choices=IspuCategory.choices, blank=True
    )
    ispu_dominant = models.CharField(_("ISPU critical parameter"), max_length=4, blank=True)
    aqi = models.PositiveSmallIntegerField(_("US AQI"), null=True)
    aqi_category = models.CharField(_("US AQI category"), max_length=24, blank=True)
    aqi_dominant = models.CharField(_("US AQI dominant parameter"), max_length=4, blank=True)
    # {parameter: {"time", "value", "ispu", "aqi"}}: the concentration each sub-index used.
    parameters = models.JSONField(_("per parameter"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("latest index")
        verbose_name_plural = _("latest indexes")

    def __str__(self) -> str:
        return f"{self.station_id} ISPU {self.ispu}"


class Subscription(models.Model):
    """A resident's wish to be warned when the air near them turns bad."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="air_subscription",
    )
    threshold = models.CharField(
        _("threshold"), max_length=24, choices=IspuCategory.choices, default=DEFAULT_THRESHOLD
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("air alert subscription")
        verbose_name_plural = _("air alert subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} >= {self.threshold}"


class SavedPlace(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(_("name"), max_length=80)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("saved place")
        verbose_name_plural = _("saved places")
        ordering = ("id",)
        indexes = [models.Index(fields=["lat", "lon"], name="aq_place_point_idx")]

    def __str__(self) -> str:
        return self.name


class AlertState(models.Model):
    """What a place was last told: alerting or not, at which level, when (the cooldown)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="alert_states"
    )
    place_key = models.CharField(max_length=40)  # "place:<id>" or "device:<id>"
    station = models.ForeignKey(Station, on_delete=models.SET_NULL, null=True, related_name="+")
    alerting = models.BooleanField(default=False)
    alerted_level = models.PositiveSmallIntegerField(null=True)
    alerted_at = models.DateTimeField(null=True)
    cleared_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "place_key"], name="aq_alertstate_unique"
            ),
            models.CheckConstraint(
                condition=Q(alerting=False) | Q(alerted_level__isnull=False),
                name="aq_alertstate_alerting_has_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.place_key}"


class PublishedIspu(models.Model):
    """A day's official ISPU as the city published it (Satu Data Jakarta): sub-indices, not
    concentrations, so they are kept apart from readings and never enter the rollups."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    pm25 = models.PositiveSmallIntegerField(null=True, blank=True)
    pm10 = models.PositiveSmallIntegerField(null=True, blank=True)
    so2 = models.PositiveSmallIntegerField(null=True, blank=True)
    co = models.PositiveSmallIntegerField(null=True, blank=True)
    o3 = models.PositiveSmallIntegerField(null=True, blank=True)
    no2 = models.PositiveSmallIntegerField(null=True, blank=True)
    ispu = models.PositiveSmallIntegerField(_("ISPU"))
    critical = models.CharField(_("critical parameter"), max_length=4)
    category = models.CharField(_("category"), max_length=24, choices=IspuCategory.choices)

    class Meta:
        verbose_name = _("published daily ISPU")
        verbose_name_plural = _("published daily ISPU")
        constraints = [
            models.UniqueConstraint(fields=["station", "day"], name="aq_published_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day} {self.ispu}"
