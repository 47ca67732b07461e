"""Drafts from outside messages: a parsed CAP 1.2 alert becomes a warning awaiting approval.

The importer (a CAP file or URL, BMKG's feeds) parses the XML with a hardened parser and calls
`alert_draft_from_cap` with plain values; this module maps CAP onto our model and leaves every
check to `services.alert_draft`, so an imported warning passes the same validation as an
officer's and still needs an approver's click before anyone is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from disasteralerts import selectors, services
from disasteralerts.capxml import CapRefused, cap_parse
from disasteralerts.models import Alert, MsgType
from jaki.regions.geo import Area, InvalidArea, cap_circle
from jaki.regions.selectors import kelurahan_covering, region_list

# A CAP info without <expires> stays in force this long after it was sent (CAP leaves it open).
DEFAULT_DURATION = timedelta(hours=24)


def _language(code: str) -> str | None:
    base = (code or "en-US").split("-")[0].lower()  # CAP's default language is en-US
    return base if base in ("id", "en") else None


def _polygon(value: Any) -> list[list[float]]:
    """A CAP polygon: its text ("lat,lon lat,lon …") or already a list of pairs."""
    if isinstance(value, str):
        try:
            return [[float(n) for n in pair.split(",")] for pair in value.split()]
        except ValueError:
            raise services.InvalidAlert(
                {"areas": [_("A CAP polygon is space-separated lat,lon pairs.")]}
            ) from None
    return value


def _circle(value: Any) -> dict:
    if isinstance(value, str):
        try:
            parsed = cap_circle(value)
        except InvalidArea as exc:
            raise services.InvalidAlert({"areas": [str(exc.detail)]}) from None
        return {k: parsed[k] for k in ("lat", "lon", "radius_km")}
    return value


def _areas(message: dict, infos: list[dict]) -> list[dict]:
    raw = list(message.get("areas") or [])
    for info in infos:
        raw += info.get("areas") or []
    areas, seen = [], set()
    for area in raw:
        kelurahan = [
            code
            for name, value in area.get("geocodes") or []
            if (code := services.kelurahan_code(value))
        ]
        cleaned = {
            "description": area.get("description") or area.get("area_desc") or "",
            "polygons": [_polygon(p) for p in area.get("polygons") or []],
            "circles": [_circle(c) for c in area.get("circles") or []],
            "kelurahan": kelurahan,
        }
        key = repr(cleaned)
        if key not in seen:
            seen.add(key)
            areas.append(cleaned)
    return areas


def _references(text: str) -> tuple[list[Alert], str]:
    """CAP references ("sender,identifier,sent" triples): ours become links, others stay text."""
    local, foreign = [], []
    for triple in (text or "").split():
        parts = triple.split(",")
        found = selectors.alert_by_identifier(parts[1]) if len(parts) == 3 else None
        if found is not None:
            local.append(found)
        else:
            foreign.append(triple)
    return local, " ".join(foreign)


def alert_draft_from_cap(*, message: dict, source: str = "cap", source_ref: str = "") -> Alert:
    """A parsed CAP message as a warning awaiting approval (state `pending`, no author).

    `message` holds CAP's values in snake case: identifier, sender, sent (aware datetime),
    status, msg_type, scope, restriction?, note?, references? (CAP text), incidents?, and
    infos: [{language, category: [...], event, response_type: [...], urgency, severity,
    certainty, effective?, onset?, expires? (aware datetimes), sender_name?, headline?,
    description?, instruction?, web?, contact?, parameters?: {valueName: value},
    areas?: [...]}]. Areas (top level or per info, merged) are {description, polygons: [CAP
    polygon text or [[lat, lon], …]], circles: [CAP circle text or {lat, lon, radius_km}],
    geocodes: [(valueName, value)]}; geocodes that are Kemendagri kelurahan codes target those
    kelurahan, others are ignored. Infos in languages other than id/en are skipped.

    Raises services.DuplicateIdentifier (409) for an identifier already held (dedupe) and
    services.InvalidAlert (400) for anything our validation refuses.
    """
    infos = [i for i in message.get("infos") or [] if _language(i.get("language", ""))]
    if not infos:
        raise services.InvalidAlert(
            {"info": [_("The message has no info in Indonesian or English.")]}
        )
    first = infos[0]
    sent: datetime | None = message.get("sent")
    effective = first.get("effective") or sent
    expires = first.get("expires") or (effective + DEFAULT_DURATION if effective else None)
    texts: dict[str, dict] = {}
    for info in infos:
        language = _language(info.get("language", ""))
        if language in texts:
            continue
        parameters = info.get("parameters") or {}
        texts[language] = {
            "event": info.get("event") or first.get("event"),
            "headline": info.get("headline") or info.get("event") or first.get("event"),
            "description": info.get("description") or "",
            "instruction": info.get("instruction") or "",
            "sender_name": info.get("sender_name") or "",
            "web": info.get("web") or "",
            "contact": info.get("contact") or "",
            "short_text": parameters.get("CMAMtext", ""),
            "long_text": parameters.get("CMAMlongtext", ""),
        }
    references, external = _references(message.get("references") or "")
    return services.alert_draft(
        author=None,
        identifier=message.get("identifier"),
        sender=message.get("sender"),
        status=message.get("status"),
        msg_type=message.get("msg_type") or "Alert",
        scope=message.get("scope") or "Public",
        restriction=message.get("restriction") or "",
        note=message.get("note") or "",
        incidents=message.get("incidents") or "",
        references=references,
        external_references=external,
        event=first.get("event") or "",
        effective=effective,
        onset=first.get("onset"),
        expires=expires,
        info=texts,
        areas=_areas(message, infos),
        source=source,
        source_ref=source_ref,
        pending=True,
        category=first.get("category") or [],
        response_type=first.get("response_type") or [],
        urgency=first.get("urgency"),
        severity=first.get("severity"),
        certainty=first.get("certainty"),
    )


# --- importing a CAP document -----------------------------------------------------------------


@dataclass
class Imported:
    """What became of one imported message: drafted, duplicate, skipped or refused."""

    outcome: str
    identifier: str = ""
    reason: str = ""
    alert: Alert | None = None


def _covers_jakarta(message: dict) -> bool:
    """Whether any area names a Jakarta kelurahan (geocode) or reaches one (polygon, circle).
    A geometry we cannot read counts as not reaching: validation speaks if something else
    makes the message ours."""
    codes, spec = set(), []
    for info in message.get("infos") or []:
        for area in info.get("areas") or []:
            for _name, value in area.get("geocodes") or []:
                if code := services.kelurahan_code(value):
                    codes.add(code)
            for ring in area.get("polygons") or []:
                try:
                    points = [[float(n) for n in pair.split(",")] for pair in ring.split()]
                    spec.append(
                        Area({"type": "Polygon", "coordinates": [[[b, a] for a, b in points]]})
                    )
                except (ValueError, TypeError, InvalidArea):
                    continue
            for circle in area.get("circles") or []:
                try:
                    spec.append(Area(cap_circle(circle)))
                except (InvalidArea, TypeError):
                    continue
    if codes and region_list(level="kelurahan").filter(code__in=codes).exists():
        return True
    return any(kelurahan_covering(area) for area in spec)


def cap_import(*, data: bytes, source_ref: str = "") -> Imported:
    """One CAP 1.2 document from outside: a pending draft when it covers Jakarta.

    Hostile or malformed XML raises CapRefused (400); a message that is not about Jakarta,
    or an Ack/Error, is skipped; an identifier we hold already is a duplicate (dedupe), so a
    feed polled every few minutes drafts each message once.
    """
    message = cap_parse(data)
    identifier = message["identifier"]
    if message["msg_type"] not in MsgType.values:
        return Imported("skipped", identifier, _("An Ack or Error is not a warning."))
    if selectors.alert_by_identifier(identifier) is not None:
        return Imported("duplicate", identifier, _("Already imported."))
    if not _covers_jakarta(message):
        return Imported("skipped", identifier, _("No area of the message covers Jakarta."))
    try:
        alert = alert_draft_from_cap(message=message, source="cap", source_ref=source_ref)
    except services.DuplicateIdentifier:
        return Imported("duplicate", identifier, _("Already imported."))
    except services.InvalidAlert as exc:
        raise CapRefused(
            _("The CAP message is not a valid warning: %(errors)s") % {"errors": exc.detail}
        ) from None
    return Imported("drafted", identifier, "", alert)
