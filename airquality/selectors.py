"""Air-quality reads: stations with their latest index, history series, nearest, summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import QuerySet

from airquality import indexes
from airquality.models import DailyRollup, HourlyRollup, Station, StationLatest, Subscription
from jaki.regions.selectors import nearby

NEAREST_RADIUS_M = 50_000


def stations_public() -> QuerySet[Station]:
    """Active stations with their latest index and kelurahan, in one query."""
    return (
        Station.objects.filter(is_active=True)
        .select_related("latest", "kelurahan")
        .defer("kelurahan__boundary")
        .order_by("code")
    )


def station_public(*, code: str) -> Station | None:
    return stations_public().filter(code=code).first()


def station_nearest(*, lat: float, lon: float) -> tuple[Station, float] | None:
    """The nearest active station within NEAREST_RADIUS_M, with its distance in metres."""
    found = nearby(stations_public(), lat=lat, lon=lon, radius_m=NEAREST_RADIUS_M, limit=1)
    return found[0] if found else None


def station_history(
    *, station: Station, parameter: str, interval: str, start: datetime | date, end: datetime | date
) -> list[tuple]:
    """The rollups of one station and parameter between start (inclusive) and end (exclusive),
    oldest first, as tuples (bucket, count, sum, min, max[, hours]): a month of hours is 720
    rows, too many to build model instances for."""
    if interval == "hour":
        return list(
            HourlyRollup.objects.filter(
                station=station, parameter=parameter, hour__gte=start, hour__lt=end
            )
            .order_by("hour")
            .values_list("hour", "count", "sum", "min", "max")
        )
    return list(
        DailyRollup.objects.filter(
            station=station, parameter=parameter, day__gte=start, day__lt=end
        )
        .order_by("day")
        .values_list("day", "count", "sum", "min", "max", "hours")
    )


def city_summary() -> list[dict]:
    """Per kota, its worst active station now (by ISPU), worst kota first."""
    worst: dict[str, dict] = {}
    latest_rows = (
        StationLatest.objects.filter(station__is_active=True, ispu__isnull=False)
        .select_related("station__kelurahan__parent__parent")
        .defer(
            "station__kelurahan__boundary",
            "station__kelurahan__parent__boundary",
            "station__kelurahan__parent__parent__boundary",
        )
    )
    for latest in latest_rows:
        kelurahan = latest.station.kelurahan
        kota = kelurahan.parent.parent if kelurahan and kelurahan.parent else None
        if kota is None:
            continue
        current = worst.get(kota.code)
        if current is None or latest.ispu > current["latest"].ispu:
            worst[kota.code] = {"kota": kota, "latest": latest}
    return sorted(
        worst.values(),
        key=lambda item: (-item["latest"].ispu, item["kota"].code),
    )


def subscription_of(*, user) -> Subscription | None:
    return Subscription.objects.filter(user=user).prefetch_related("places").first()


def category_of(code: str) -> indexes.Category | None:
    return indexes.ISPU_CATEGORIES.get(code) or indexes.AQI_CATEGORIES.get(code)


def station_week(
    *, station: Station, parameter: str, end: datetime
) -> list[tuple[datetime, float]]:
    """Hourly means of the 7 days before `end`, oldest first: the admin's chart."""
    return [
        (row.hour, row.mean)
        for row in HourlyRollup.objects.filter(
            station=station, parameter=parameter, hour__gte=end - timedelta(days=7), hour__lt=end
        ).order_by("hour")
    ]
