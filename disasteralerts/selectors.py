"""Warning reads: the active list, history, who sees what, the audience and its preview count,
and delivery counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from disasteralerts import permissions
from disasteralerts.models import PUBLIC_STATUSES, Alert, MsgType, Scope, State, WaterGate
from jaki.notifications.models import Device, Notification
from jaki.notifications.selectors import audience_count
from jaki.regions.selectors import Area, kelurahan_covering, locate, region_list

# Every state a warning can be in once it went out.
SENT_STATES = (State.BROADCAST, State.UPDATED, State.CANCELLED, State.EXPIRED)


def _with_parts(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    return alerts.select_related("author", "approver").prefetch_related(
        "infos", "areas", "references"
    )


def public_alerts() -> QuerySet[Alert]:
    """Warnings the public may see: sent, Actual, Public scope."""
    return Alert.objects.filter(
        state__in=SENT_STATES, status__in=PUBLIC_STATUSES, scope=Scope.PUBLIC
    )


def alerts_active(*, lat: float | None = None, lon: float | None = None) -> list[Alert]:
    """Active public warnings, newest first; with a point, those whose areas hold it (exactly)
    or whose covered kelurahan include the point's. Expired ones drop out by the filter alone."""
    alerts = list(
        _with_parts(
            public_alerts()
            .filter(state=State.BROADCAST, expires__gt=timezone.now())
            .exclude(msg_type=MsgType.CANCEL)
        ).order_by("-sent", "-id")
    )
    if lat is None or lon is None:
        return alerts
    found = locate(lat, lon)
    code = found.kelurahan.code if found else None
    return [a for a in alerts if code in a.covered_kelurahan or _holds(a, lat, lon)]


def _holds(alert: Alert, lat: float, lon: float) -> bool:
    spec = area_spec([alert])
    return bool(spec) and bool(Area(spec).contains([lat], [lon])[0])


def alerts_history() -> QuerySet[Alert]:
    """Every public warning that went out, newest first (the app's history screen)."""
    return _with_parts(public_alerts()).order_by("-sent", "-id")


def alerts_for_officers() -> QuerySet[Alert]:
    return _with_parts(Alert.objects.all()).order_by("-created_at", "-id")


def alert_visible(*, public_id: uuid.UUID, user) -> Alert | None:
    """One warning: officers see every one (drafts too); anyone else the public ones."""
    alerts = (
        alerts_for_officers()
        if permissions.is_alert_officer(user)
        else _with_parts(public_alerts())
    )
    return alerts.filter(public_id=public_id).first()


def alert_chain(alert: Alert) -> list[Alert]:
    """The warning and every message it references, transitively: an Update or Cancel reaches
    the audience of all of them."""
    chain: dict[int, Alert] = {alert.pk: alert} if alert.pk else {}
    todo = [alert]
    while todo:
        current = todo.pop()
        if not current.pk:
            continue
        for ref in current.references.all():
            if ref.pk not in chain:
                chain[ref.pk] = ref
                todo.append(ref)
    return list(chain.values()) or [alert]


def area_spec(alerts: list[Alert]) -> list[dict]:
    """The areas' polygons and circles as jaki.regions areas (GeoJSON lon/lat, circles in km)."""
    spec: list[dict] = []
    for alert in alerts:
        for area in alert.areas.all():
            for ring in area.polygons:
                spec.append({"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in ring]]})
            for circle in area.circles:
                spec.append(
                    {
                        "type": "Circle",
                        "lat": circle["lat"],
                        "lon": circle["lon"],
                        "radius_km": circle["radius_km"],
                    }
                )
    return spec


def alert_audience(alert: Alert) -> tuple[list[dict], list[str]]:
    """Whom the warning reaches: (area, kelurahan codes). The kelurahan are those named in its
    areas and those its polygons and circles reach, over the whole reference chain."""
    chain = alert_chain(alert)
    spec = area_spec(chain)
    codes = {code for a in chain for area in a.areas.all() for code in area.kelurahan}
    if spec:
        codes |= {ref.code for ref in kelurahan_covering(spec)}
    return spec, sorted(codes)


def alert_preview_count(*, alert: Alert) -> int:
    """How many devices approval would reach now (test devices only for a Test/Exercise)."""
    spec, codes = alert_audience(alert)
    return audience_count(area=spec or None, kelurahan=codes or None, test=alert.is_test)


def test_feed_users() -> list[uuid.UUID]:
    """Owners of active test devices: the only live feeds a Test or Exercise warning reaches."""
    return list(
        Device.objects.filter(is_active=True, is_test=True)
        .values_list("user__public_id", flat=True)
        .distinct()
    )


def alert_delivery(*, alert: Alert) -> dict:
    """Delivery counts over the warning's notifications (per device, and per topic)."""
    ids = [pk for pk in (alert.notification_id, alert.topic_notification_id) if pk]
    rows = list(Notification.objects.filter(pk__in=ids))
    firsts = [n.first_sent_at for n in rows if n.first_sent_at]
    lasts = [n.last_sent_at for n in rows if n.last_sent_at]
    per_device = next((n for n in rows if n.pk == alert.notification_id), None)
    topics = next((n for n in rows if n.pk == alert.topic_notification_id), None)
    return {
        "targeted": sum(n.targeted for n in rows),
        "sent": sum(n.sent for n in rows),
        "failed": sum(n.failed for n in rows),
        "pruned": sum(n.pruned for n in rows),
        "first_sent_at": min(firsts, default=None),
        "last_sent_at": max(lasts, default=None),
        "devices": per_device.targeted if per_device else 0,
        "topics": topics.targeted if topics else 0,
        "done": bool(rows) and all(n.state == Notification.State.DONE for n in rows),
    }


def alerts_pending() -> QuerySet[Alert]:
    """The approval queue, oldest first."""
    return _with_parts(Alert.objects.filter(state=State.PENDING)).order_by("submitted_at", "id")


def alerts_due_to_expire() -> QuerySet[Alert]:
    return Alert.objects.filter(state=State.BROADCAST, expires__lte=timezone.now())


def alert_by_identifier(identifier: str) -> Alert | None:
    return Alert.objects.filter(Q(identifier=identifier)).first()


def jakarta_kelurahan_codes() -> list[str]:
    """Every kelurahan code of the loaded map: the area of a city-wide (BMKG) warning."""
    return list(region_list(level="kelurahan").values_list("code", flat=True))


def bmkg_identifiers_near(moment: datetime) -> list[str]:
    """Identifiers of BMKG drafts for quakes within a day of `moment` (the poller's dedupe:
    the identifier holds the quake's UTC time, `bmkg-gempa-20211214T032023-…`)."""
    days = {(moment + timedelta(days=d)).astimezone(UTC).strftime("%Y%m%d") for d in (-1, 0, 1)}
    query = Q(pk__in=[])
    for day in days:
        query |= Q(identifier__contains=f"-{day}T")
    return list(Alert.objects.filter(query, source="bmkg").values_list("identifier", flat=True))


def water_gates_by_code(codes: set[str]) -> dict[str, WaterGate]:
    return {gate.code: gate for gate in WaterGate.objects.filter(code__in=codes)}
