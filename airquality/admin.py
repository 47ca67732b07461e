"""Staff's screens for air quality: stations with their latest index and a 7-day chart drawn
on the server (an inline SVG: no chart library, no script), readings and aggregates read-only.
Sources and their keys are the platform's API keys (scope airquality:ingest, limited to station
codes): issued, limited and revoked under API keys."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from airquality import indexes, selectors, services
from airquality.models import (
    DailyRollup,
    HourlyRollup,
    PublishedIspu,
    Reading,
    Station,
    StationLatest,
    Subscription,
)

CHART_W, CHART_H, PAD = 720, 180, 28


def week_chart(station: Station) -> str:
    """PM2.5 (else PM10) hourly ISPU of the last 7 days as an SVG, on the ISPU bands' colours."""
    now = timezone.now()
    for parameter in ("pm25", "pm10"):
        points = selectors.station_week(station=station, parameter=parameter, end=now)
        if points:
            break
    else:
        return str(_("No readings in the last 7 days."))
    values = [(t, indexes.ispu(parameter, v).value) for t, v in points]
    top = max(300, *(v for _t, v in values))
    start = now.timestamp() - 7 * 86400

    def xy(t, v):
        x = PAD + (t.timestamp() - start) / (7 * 86400) * (CHART_W - 2 * PAD)
        y = CHART_H - PAD - v / top * (CHART_H - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    bands = []
    low = 0
    for band in indexes.ISPU_CURRENT.bands:
        high = min(band.upper_value, top)
        y_top = CHART_H - PAD - high / top * (CHART_H - 2 * PAD)
        y_low = CHART_H - PAD - low / top * (CHART_H - 2 * PAD)
        bands.append((PAD, f"{y_top:.1f}", CHART_W - 2 * PAD, f"{y_low - y_top:.1f}",
                      band.category.hex))  # fmt: skip
        low = high
        if high >= top:
            break
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" opacity="0.18"/>',
        bands,
    )
    line = " ".join(xy(t, v) for t, v in values)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" '
        'aria-label="{}">{}<polyline points="{}" fill="none" stroke="#333" stroke-width="1.5"/>'
        '<text x="{}" y="14" font-size="12">{} · ISPU · max {}</text></svg>',
        CHART_W,
        CHART_H,
        _("7-day chart"),
        rects,
        line,
        PAD,
        parameter.upper(),
        max(v for _t, v in values),
    )


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "operator", "is_active", "ispu", "category", "updated")
    list_filter = ("kind", "is_active", "operator")
    search_fields = ("code", "name", "operator")
    list_select_related = ("latest", "kelurahan")
    readonly_fields = ("kelurahan", "created_at", "latest_index", "chart")
    fields = (
        "code", "name", "lat", "lon", "kelurahan", "kind", "operator", "is_active", "source_id",
        "created_at", "latest_index", "chart",
    )  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).defer("kelurahan__boundary")

    @staticmethod
    def _latest(station: Station) -> StationLatest | None:
        try:
            return station.latest
        except StationLatest.DoesNotExist:
            return None

    @admin.display(description=_("ISPU"))
    def ispu(self, station: Station):
        latest = self._latest(station)
        return latest.ispu if latest else None

    @admin.display(description=_("category"))
    def category(self, station: Station):
        latest = self._latest(station)
        if latest is None or not latest.ispu_category:
            return "—"
        category = indexes.ISPU_CATEGORIES[latest.ispu_category]
        return format_html(
            '<span style="border-left:1em solid {};padding-left:.4em">{}</span>',
            category.hex,
            category.name_id,
        )

    @admin.display(description=_("updated"))
    def updated(self, station: Station):
        latest = self._latest(station)
        return latest.time if latest else None

    @admin.display(description=_("latest index"))
    def latest_index(self, station: Station):
        latest = self._latest(station)
        if latest is None:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (p, e.get("value"), e.get("ispu", "—"), e.get("aqi", "—"))
                for p, e in sorted(latest.parameters.items())
            ),
        )
        return format_html(
            "ISPU {} ({}) · US AQI {} ({})<table><tr><th>{}</th><th>µg/m³</th><th>ISPU</th>"
            "<th>AQI</th></tr>{}</table>",
            latest.ispu, latest.ispu_dominant, latest.aqi, latest.aqi_dominant,
            _("parameter"), rows,
        )  # fmt: skip

    @admin.display(description=_("last 7 days"))
    def chart(self, station: Station):
        return mark_safe(week_chart(station)) if station.pk else "—"  # noqa: S308  (escaped above)

    def save_model(self, request, obj, form, change):
        services.station_save(station=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Measurements are what the instruments said: nobody edits or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ("station", "parameter", "time", "value")
    list_filter = ("parameter",)
    search_fields = ("station__code",)
    list_select_related = ("station",)
    date_hierarchy = "time"
    show_full_result_count = False  # millions of rows: no COUNT(*) per page


@admin.register(HourlyRollup)
class HourlyRollupAdmin(ReadOnlyAdmin):
    list_display = ("station", "parameter", "hour", "mean", "min", "max", "count")
    list_filter = ("parameter",)
    search_fields = ("station__code",)
    list_select_related = ("station",)
    show_full_result_count = False


@admin.register(DailyRollup)
class DailyRollupAdmin(ReadOnlyAdmin):
    list_display = ("station", "parameter", "day", "mean", "min", "max", "count", "hours")
    list_filter = ("parameter",)
    search_fields = ("station__code",)
    list_select_related = ("station",)
    show_full_result_count = False


@admin.register(PublishedIspu)
class PublishedIspuAdmin(ReadOnlyAdmin):
    list_display = ("station", "day", "ispu", "critical", "category")
    list_filter = ("category", "critical")
    search_fields = ("station__code",)
    list_select_related = ("station",)
    date_hierarchy = "day"


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Counts and thresholds only: where residents live is not staff's business."""

    list_display = ("id", "threshold", "created_at")
    list_filter = ("threshold",)
    fields = ("threshold", "created_at")
