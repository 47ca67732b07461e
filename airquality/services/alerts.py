"""Unhealthy-air alerts: when a station's ISPU category changes, every subscribed place whose
nearest active station it is gets one push on crossing up to (or past) its threshold, then
nothing for COOLDOWN unless the category worsens, and an all-clear when it falls back below.

A place is a saved place of the subscription, or the last known location of one of the
resident's active devices ("the device's location counts as a place too"). Each place keeps its
own state (AlertState), so a flapping station cannot ring a phone every few minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from airquality import indexes
from airquality.models import AlertState, SavedPlace, Station, StationLatest, Subscription
from jaki.notifications.models import Device
from jaki.notifications.services import in_languages, notify
from jaki.regions.geo import bbox_around, haversine_m
from jaki.regions.selectors import within_bbox

COOLDOWN = timedelta(hours=6)
# A place further than this from every station has no "nearest station" to be warned about.
MAX_STATION_DISTANCE_M = 25_000

ALERT_TITLE = _("Unhealthy air near %(place)s")
ALERT_BODY = _("%(station)s: ISPU %(value)s, %(category)s. %(advice)s")
CLEAR_TITLE = _("The air near %(place)s is better")
CLEAR_BODY = _("%(station)s: ISPU %(value)s, %(category)s.")
CURRENT_LOCATION = _("your location")


def _texts(message, category: indexes.Category | None, **params: Any) -> dict[str, str]:
    """`message` in every language, with the category's name and advice in each."""
    if not params.get("place"):
        params["place"] = CURRENT_LOCATION
    if category is not None:
        params["category"] = {"id": category.name_id, "en": category.name_en}
        params["advice"] = {"id": category.advice_id, "en": category.advice_en}
    return in_languages(message, **params)


def _active_stations() -> list[tuple[int, float, float]]:
    return list(Station.objects.filter(is_active=True).values_list("pk", "lat", "lon"))


def nearest_station_id(lat: float, lon: float, stations) -> int | None:
    if not stations:
        return None
    distances = haversine_m(lat, lon, [s[1] for s in stations], [s[2] for s in stations])
    best = int(distances.argmin())
    return stations[best][0] if distances[best] <= MAX_STATION_DISTANCE_M else None


def alerts_evaluate_many(*, station_ids: list[int], now: datetime | None = None) -> dict[str, int]:
    """alerts_evaluate for each station whose category changed; nothing to do (no query past
    the first) while nobody subscribes."""
    sent = {"alerts": 0, "all_clear": 0}
    if not Subscription.objects.exists():
        return sent
    stations = _active_stations()
    for station_id in station_ids:
        for kind, count in alerts_evaluate(
            station_id=station_id, now=now, stations=stations
        ).items():
            sent[kind] += count
    return sent


def alerts_evaluate(
    *, station_id: int, now: datetime | None = None, stations: list | None = None
) -> dict[str, int]:
    """Bring every place nearest to this station up to date with its current ISPU category;
    return how many alerts and all-clears went out."""
    now = now or timezone.now()
    latest = StationLatest.objects.filter(station_id=station_id).select_related("station").first()
    sent = {"alerts": 0, "all_clear": 0}
    if latest is None or not latest.ispu_category or not latest.station.is_active:
        return sent
    station = latest.station
    level = indexes.ispu_rank(latest.ispu_category)
    stations = stations if stations is not None else _active_stations()
    box = bbox_around(station.lat, station.lon, MAX_STATION_DISTANCE_M)

    places: list[tuple[Subscription, str, str, Any]] = []  # (subscription, key, name, target)
    for place in within_bbox(SavedPlace.objects.select_related("subscription__user"), box):
        if nearest_station_id(place.lat, place.lon, stations) == station.pk:
            places.append((place.subscription, f"place:{place.pk}", place.name, None))
    devices = list(
        within_bbox(
            Device.objects.filter(is_active=True, user__air_subscription__isnull=False), box
        )
    )
    subscriptions = {
        s.user_id: s
        for s in Subscription.objects.select_related("user").filter(
            user_id__in={d.user_id for d in devices}
        )
    }
    for device in devices:
        if nearest_station_id(device.lat, device.lon, stations) == station.pk:
            places.append((subscriptions[device.user_id], f"device:{device.pk}", "", device))

    for subscription, key, name, device in places:
        with transaction.atomic():
            state, _created = AlertState.objects.select_for_update().get_or_create(
                subscription=subscription, place_key=key
            )
            outcome = _decide(state, level, indexes.ispu_rank(subscription.threshold), now)
            if outcome is None:
                continue
            state.station = station
            state.save()
            category = indexes.ISPU_CATEGORIES[latest.ispu_category]
            params = {"place": name, "station": station.name, "value": latest.ispu}
            if outcome == "alert":
                title = _texts(ALERT_TITLE, category, **params)
                body = _texts(ALERT_BODY, category, **params)
            else:
                title = _texts(CLEAR_TITLE, category, **params)
                body = _texts(CLEAR_BODY, category, **params)
            notify(
                kind=f"airquality.{outcome}",
                users=None if device else [subscription.user],
                devices=[device] if device else None,
                title=title,
                body=body,
                data={
                    "station": station.code,
                    "ispu": str(latest.ispu),
                    "category": latest.ispu_category,
                },
                deep_link=f"jaki://airquality/stations/{station.code}",
                collapse_key=f"air-{key}",
                source=f"airquality:{station.code}",
            )
            sent["alerts" if outcome == "alert" else "all_clear"] += 1
    return sent


def _decide(state: AlertState, level: int, threshold: int, now: datetime) -> str | None:
    """ "alert", "all_clear" or None, updating `state` accordingly.

    An alert goes out on crossing up to the threshold unless the last alert of this place is
    younger than COOLDOWN and was at least as bad; a worse category always goes out. The
    all-clear goes to a place that was last told the air is bad, so it always pairs an alert."""
    if level >= threshold:
        if state.alerting and state.alerted_level is not None and level <= state.alerted_level:
            return None
        in_cooldown = state.alerted_at is not None and now - state.alerted_at < COOLDOWN
        if in_cooldown and state.alerted_level is not None and level <= state.alerted_level:
            return None
        state.alerting = True
        state.alerted_level = level
        state.alerted_at = now
        return "alert"
    if state.alerting:
        state.alerting = False
        state.cleared_at = now
        return "all_clear"
    return None
