"""BMKG earthquake feeds: a quake that concerns Jakarta becomes a warning awaiting approval.

Three formats (DOMAIN.md 2): autogempa (the latest quake, JSON or XML), gempaterkini (the 15
newest M >= 5, JSON) and InaTEWS (BMKG's CAP-like JSON, with tsunami warnings). A quake of
magnitude >= ALERTS_BMKG_MIN_MAGNITUDE within ALERTS_BMKG_MAX_DISTANCE_KM of Monas, or any
tsunami warning, is drafted for all of Jakarta from the hazard template, pending an approver;
BMKG's test messages (status TES) and ended warnings are ignored. The draft's identifier is
made of the event's time (UTC) and epicentre, so a quake is drafted once however often and in
whichever format it is polled.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from django.conf import settings
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disasteralerts import selectors, services
from disasteralerts.capxml import CapRefused, parse_xml
from disasteralerts.hazards import HAZARDS, hazard_texts
from disasteralerts.models import Alert
from jaki.api import DomainError

WIB = timezone(timedelta(hours=7))
MONAS = (-6.1754, 106.8272)
TEST_STATUSES = {"TES", "TEST", "EXERCISE", "LATIHAN"}
MAX_QUAKES = 100  # gempaterkini carries 15; more is not a BMKG feed
# BMKG revises a quake's first figures (M7.5 at 03:20:22 becomes M7.4 at 03:20:23, 0.02° away):
# a quake this close in time and place to one already drafted is the same event.
SAME_EVENT_SECONDS, SAME_EVENT_DEGREES = 120, 0.5
IDENTIFIER = re.compile(r"bmkg-(gempa|tsunami)-(\d{8}T\d{6})-([+-]\d+\.\d+)([+-]\d+\.\d+)")


class BmkgRefused(DomainError):
    """Not a BMKG earthquake feed we can read (400)."""

    default_code = "invalid_bmkg_feed"
    default_detail = gettext_lazy("This is not a BMKG earthquake feed.")


@dataclass
class Quake:
    time: datetime  # aware
    lat: float
    lon: float
    magnitude: float
    depth: str
    region: str
    potential: str
    test: bool = False
    ended: bool = False

    @property
    def tsunami(self) -> bool:
        text = self.potential.lower()
        return "tsunami" in text and "tidak" not in text

    @property
    def distance_km(self) -> float:
        """Great-circle distance from Monas (haversine)."""
        lat1, lon1, lat2, lon2 = map(math.radians, (*MONAS, self.lat, self.lon))
        a = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * 6371.0 * math.asin(math.sqrt(a))

    @property
    def identifier(self) -> str:
        kind = "tsunami" if self.tsunami else "gempa"
        when = self.time.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
        return f"bmkg-{kind}-{when}-{self.lat:+.2f}{self.lon:+.2f}"

    def same_event(self, identifier: str) -> bool:
        """Whether a drafted quake's identifier names this event (revised figures included)."""
        match = IDENTIFIER.fullmatch(identifier)
        if not match or match[1] != ("tsunami" if self.tsunami else "gempa"):
            return False
        when = datetime.strptime(match[2], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return (
            abs((when - self.time).total_seconds()) <= SAME_EVENT_SECONDS
            and abs(float(match[3]) - self.lat) <= SAME_EVENT_DEGREES
            and abs(float(match[4]) - self.lon) <= SAME_EVENT_DEGREES
        )


@dataclass
class Event:
    """What became of one quake in a feed: drafted, duplicate, ignored (or refused feed)."""

    outcome: str
    identifier: str = ""
    reason: str = ""
    alert: Alert | None = None


# --- parsing -------------------------------------------------------------------------------


def _number(value: Any) -> float:
    try:
        number = float(str(value).split()[0])
    except (ValueError, IndexError):
        raise BmkgRefused(_("Not a number: %(value)s") % {"value": str(value)[:40]}) from None
    if not math.isfinite(number):
        raise BmkgRefused(_("Not a number: %(value)s") % {"value": str(value)[:40]})
    return number


def _hemisphere(text: str, negative: str) -> float:
    """ "0.93 LS" -> -0.93 (Lintang Selatan), "176.44 BB" -> -176.44 (Bujur Barat)."""
    number, *rest = str(text).split()
    value = _number(number)
    return -abs(value) if rest and rest[0].upper() == negative else value


def _point(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BmkgRefused(_("The epicentre is out of range."))


def _aware(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("WIB", "+07:00"))
    except (ValueError, AttributeError):
        raise BmkgRefused(_("Not a time: %(value)s") % {"value": str(value)[:40]}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WIB)


def _gempa(item: dict) -> Quake:
    """One autogempa / gempaterkini entry: DateTime in UTC, Coordinates "lat,lon"."""
    if not isinstance(item, dict):
        raise BmkgRefused(_("A gempa entry is an object."))
    try:
        lat, lon = (_number(v) for v in str(item["Coordinates"]).split(","))
        return Quake(
            time=_aware(item["DateTime"]),
            lat=lat,
            lon=lon,
            magnitude=_number(item["Magnitude"]),
            depth=str(item.get("Kedalaman", "")),
            region=str(item.get("Wilayah", "")),
            potential=str(item.get("Potensi", "")),
        )
    except (KeyError, ValueError):
        raise BmkgRefused(_("A gempa entry lacks DateTime, Coordinates or Magnitude.")) from None


def _inatews(message: dict) -> Quake:
    """InaTEWS JSON: times in WIB, latitude/longitude as "0.93 LS" / "98.39 BT"."""
    info = message.get("info")
    if not isinstance(info, dict):
        raise BmkgRefused(_("An InaTEWS message has an info object."))
    try:
        if info.get("latitude") and info.get("longitude"):
            lat = _hemisphere(info["latitude"], "LS")
            lon = _hemisphere(info["longitude"], "BB")
        else:  # "point": {"coordinates": "lon,lat"}
            lon, lat = (_number(v) for v in info["point"]["coordinates"].split(","))
        if info.get("date") and info.get("time"):
            day = datetime.strptime(info["date"], "%d-%m-%y").date()
            clock = datetime.strptime(info["time"].replace("WIB", "").strip(), "%H:%M:%S").time()
            when = datetime.combine(day, clock, tzinfo=WIB)
        else:
            when = _aware(message["sent"])
        subject = f"{info.get('subject', '')} {info.get('headline', '')}".lower()
        return Quake(
            time=when,
            lat=lat,
            lon=lon,
            magnitude=_number(info["magnitude"]),
            depth=str(info.get("depth", "")),
            region=str(info.get("area", "")),
            potential=str(info.get("potential", "")),
            test=str(message.get("status", "")).strip().upper() in TEST_STATUSES,
            ended="berakhir" in subject or "pd-4" in subject,
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        raise BmkgRefused(_("An InaTEWS message lacks its time, epicentre or magnitude.")) from None


def bmkg_parse(data: bytes) -> list[Quake]:
    """The quakes of a BMKG feed (autogempa JSON/XML, gempaterkini JSON, InaTEWS JSON)."""
    if len(data or b"") > settings.ALERTS_FETCH_MAX_BYTES:
        raise BmkgRefused(_("The feed is too large."))
    if (data or b"").lstrip()[:1] == b"<":
        try:
            root = parse_xml(data)
        except CapRefused as exc:
            raise BmkgRefused(exc.detail) from None
        items = [{child.tag: (child.text or "").strip() for child in g} for g in root.iter("gempa")]
        for item, gempa in zip(items, root.iter("gempa"), strict=True):
            item.setdefault("Coordinates", gempa.findtext("point/coordinates", ""))
        quakes = [_gempa(item) for item in items]
    else:
        try:
            feed = json.loads(data)
        except (ValueError, TypeError, RecursionError):
            raise BmkgRefused(_("The feed is neither JSON nor XML.")) from None
        if isinstance(feed, dict) and isinstance(feed.get("Infogempa"), dict):
            entries = feed["Infogempa"].get("gempa")
            entries = entries if isinstance(entries, list) else [entries]
            quakes = [_gempa(item) for item in entries[: MAX_QUAKES + 1]]
        elif isinstance(feed, dict) and "identifier" in feed and "info" in feed:
            quakes = [_inatews(feed)]
        else:
            raise BmkgRefused()
    if not quakes or len(quakes) > MAX_QUAKES:
        raise BmkgRefused(_("The feed holds no quake, or too many."))
    for quake in quakes:
        _point(quake.lat, quake.lon)
    return quakes


# --- the rule ------------------------------------------------------------------------------


def quake_concerns_jakarta(quake: Quake) -> tuple[bool, str]:
    """(draft it?, why not): a tsunami warning, or a strong quake near enough to be felt."""
    if quake.test:
        return False, _("A BMKG test message.")
    if quake.ended:
        return False, _("A tsunami warning ended.")
    if quake.tsunami:
        return True, ""
    if quake.magnitude < settings.ALERTS_BMKG_MIN_MAGNITUDE:
        return False, _("Magnitude %(m).1f is below %(min).1f.") % {
            "m": quake.magnitude,
            "min": settings.ALERTS_BMKG_MIN_MAGNITUDE,
        }
    if quake.distance_km > settings.ALERTS_BMKG_MAX_DISTANCE_KM:
        return False, _("%(km).0f km from Jakarta, beyond %(max).0f km.") % {
            "km": quake.distance_km,
            "max": settings.ALERTS_BMKG_MAX_DISTANCE_KM,
        }
    return True, ""


def _details(quake: Quake, language: str) -> str:
    when = quake.time.astimezone(WIB).strftime("%d-%m-%Y %H:%M:%S WIB")
    lat = f"{abs(quake.lat):.2f} {'LS' if quake.lat < 0 else 'LU'}"
    place = f"{lat}, {abs(quake.lon):.2f} {'BB' if quake.lon < 0 else 'BT'}"
    if language == "id":
        return f"BMKG: M{quake.magnitude:.1f}, {when}, {place}, {quake.region}, {quake.depth}."
    return f"BMKG: M{quake.magnitude:.1f}, {when}, {place}, {quake.region}, depth {quake.depth}."


def quake_draft(quake: Quake, *, source_ref: str = "") -> Alert:
    """The pending warning for a quake, for all of Jakarta, from the hazard template."""
    hazard = "tsunami" if quake.tsunami else "earthquake"
    template = HAZARDS[hazard]
    texts = hazard_texts(hazard, area="DKI Jakarta")
    for language, info in texts.items():
        info["description"] = f"{info['description']} {_details(quake, language)}"[:4000]
        info["sender_name"] = settings.ALERTS_SENDER_NAME
    effective = django_timezone.now()
    return services.alert_draft(
        author=None,
        identifier=quake.identifier,
        status="Actual",
        event=template["event"]["id"],
        category=template["category"],
        urgency=template["urgency"],
        severity=template["severity"],
        certainty=template["certainty"],
        response_type=template["response_type"],
        effective=effective,
        expires=effective + template["duration"],
        info=texts,
        areas=[{"description": "DKI Jakarta", "kelurahan": selectors.jakarta_kelurahan_codes()}],
        hazard=hazard,
        incidents=quake.identifier,
        source="bmkg",
        source_ref=source_ref,
        pending=True,
    )


def bmkg_import(*, data: bytes, source_ref: str = "") -> list[Event]:
    """Every quake of a BMKG feed through the rule; a malformed feed raises BmkgRefused."""
    events = []
    for quake in bmkg_parse(data):
        identifier = quake.identifier
        wanted, reason = quake_concerns_jakarta(quake)
        if not wanted:
            events.append(Event("ignored", identifier, reason))
        elif any(quake.same_event(known) for known in selectors.bmkg_identifiers_near(quake.time)):
            events.append(Event("duplicate", identifier, _("Already drafted.")))
        else:
            try:
                alert = quake_draft(quake, source_ref=source_ref)
            except services.DuplicateIdentifier:
                events.append(Event("duplicate", identifier, _("Already drafted.")))
                continue
            events.append(Event("drafted", identifier, "", alert))
    return events
