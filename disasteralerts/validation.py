"""Checks of a warning draft: CAP's enumerations, geometry (closed, simple rings of 4 to 5,000
points; positive radii), known kelurahan, text limits. Each check adds to an `errors` dict, so a
refusal names every field at fault at once (400) and nothing is stored."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import shapely
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from disasteralerts.models import LANGUAGES, LONG_TEXT_MAX, SHORT_TEXT_MAX
from jaki.regions.geo import InvalidArea, valid_point, valid_radius
from jaki.regions.models import Region

RING_MIN_POINTS = 4
RING_MAX_POINTS = 5000
HEADLINE_MAX = 160
DESCRIPTION_MAX = 4000
INSTRUCTION_MAX = 2000
MAX_AREAS = 20
YEARS = (1970, 2100)
# CAP: identifier and sender hold no spaces, commas, '<' or '&'.
CAP_TOKEN = re.compile(r"[^\s,<&]{1,255}")
KELURAHAN_CODE = re.compile(r"(\d{2})\.?(\d{2})\.?(\d{2})\.?(\d{4})")


class InvalidAlert(ValidationError):
    """A draft that cannot be a warning: 400 with the fields at fault."""

    default_code = "invalid_alert"


def choice(value: Any, choices: type, field: str, errors: dict) -> str:
    if value not in choices.values:
        errors[field] = [_("Pick one of: %(values)s.") % {"values": ", ".join(choices.values)}]
    return value


def choices(values: Any, choices: type, field: str, errors: dict, *, required: bool) -> list:
    if not isinstance(values, list | tuple) or (required and not values):
        errors[field] = [_("Send a list of at least one value.") if required else _("Send a list.")]
        return []
    if bad := [v for v in values if v not in choices.values]:
        errors[field] = [
            _("Not allowed: %(bad)s. Pick from: %(values)s.")
            % {"bad": ", ".join(map(str, bad))[:200], "values": ", ".join(choices.values)}
        ]
    return list(dict.fromkeys(values))


def text(value: Any, limit: int, field: str, errors: dict, *, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[field] = [_("Send text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("Send at most %(limit)d characters.") % {"limit": limit}]
    elif "\x00" in value:
        errors[field] = [_("Text may not contain NUL characters.")]
    return value


def _ring(ring: Any) -> list[list[float]]:
    """A CAP polygon ring of [lat, lon] pairs: closed, simple, 4 to 5,000 points."""
    if not isinstance(ring, list | tuple):
        raise InvalidArea(_("A polygon is a list of [lat, lon] points."))
    if not RING_MIN_POINTS <= len(ring) <= RING_MAX_POINTS:
        raise InvalidArea(
            _("A polygon has %(min)d to %(max)d points (the first repeated at the end).")
            % {"min": RING_MIN_POINTS, "max": RING_MAX_POINTS}
        )
    points = []
    for point in ring:
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise InvalidArea(_("A polygon is a list of [lat, lon] points."))
        points.append(list(valid_point(*point)))
    if points[0] != points[-1]:
        raise InvalidArea(_("A polygon must be closed: its last point repeats its first."))
    line = shapely.LinearRing([(lon, lat) for lat, lon in points])
    if not line.is_simple or not shapely.Polygon(line).is_valid or shapely.Polygon(line).area == 0:
        raise InvalidArea(_("A polygon's edges may not cross each other."))
    return points


def _circle(circle: Any) -> dict:
    if not isinstance(circle, dict) or not {"lat", "lon", "radius_km"} <= set(circle):
        raise InvalidArea(_("A circle is {lat, lon, radius_km}."))
    lat, lon = valid_point(circle["lat"], circle["lon"])
    try:
        radius_km = float(circle["radius_km"])
    except (TypeError, ValueError):
        raise InvalidArea(_("The radius is more than 0 and at most 1000 km.")) from None
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise InvalidArea(_("The radius is more than 0 and at most 1000 km."))
    valid_radius(radius_km * 1000)
    return {"lat": lat, "lon": lon, "radius_km": radius_km}


def kelurahan_code(value: Any) -> str | None:
    """A Kemendagri kelurahan code, dotted ("31.71.01.1001"); "3171011001" is accepted too."""
    match = KELURAHAN_CODE.fullmatch(value.strip()) if isinstance(value, str) else None
    return ".".join(match.groups()) if match else None


def areas(areas: Any, errors: dict) -> list[dict]:
    if not isinstance(areas, list | tuple) or not areas:
        errors["areas"] = [_("A warning needs at least one area.")]
        return []
    if len(areas) > MAX_AREAS:
        errors["areas"] = [_("Send at most %(count)d areas.") % {"count": MAX_AREAS}]
        return []
    cleaned, problems = [], {}
    for index, area in enumerate(areas):
        try:
            cleaned.append(_area(area))
        except InvalidArea as exc:
            problems[str(index)] = [str(exc.detail)]
    if not problems:
        codes = {code for area in cleaned for code in area["kelurahan"]}
        known = set(
            Region.objects.filter(code__in=codes, level=Region.Level.KELURAHAN).values_list(
                "code", flat=True
            )
        )
        if unknown := sorted(codes - known):
            errors["areas"] = [_("Unknown kelurahan: %(codes)s.") % {"codes": ", ".join(unknown)}]
    if problems:
        errors["areas"] = problems
    return cleaned


def _area(area: Any) -> dict:
    if not isinstance(area, dict):
        raise InvalidArea(_("An area is an object with a description and its geometry."))
    description = area.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > 255:
        raise InvalidArea(_("An area needs a description of at most 255 characters."))
    polygons, circles, kelurahan = (area.get(k) or [] for k in ("polygons", "circles", "kelurahan"))
    if not all(isinstance(v, list | tuple) for v in (polygons, circles, kelurahan)):
        raise InvalidArea(_("Polygons, circles and kelurahan are each a list."))
    if not (polygons or circles or kelurahan):
        raise InvalidArea(_("An area needs a polygon, a circle or a kelurahan."))
    codes = []
    for value in kelurahan:
        code = kelurahan_code(value)
        if code is None:
            raise InvalidArea(_("Unknown kelurahan: %(codes)s.") % {"codes": str(value)[:40]})
        codes.append(code)
    return {
        "description": description.strip(),
        "polygons": [_ring(ring) for ring in polygons],
        "circles": [_circle(circle) for circle in circles],
        "kelurahan": sorted(set(codes)),
    }


def when(value: Any, field: str, errors: dict, *, required: bool = True) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors[field] = [_("Send a date and time with its offset, e.g. 2026-12-07T10:00:00+07:00.")]
        return None
    # CAP renders times in Jakarta's offset: a year near 9999 would overflow there.
    if not YEARS[0] <= value.year <= YEARS[1]:
        errors[field] = [
            _("Send a date between the years %(first)d and %(last)d.")
            % {"first": YEARS[0], "last": YEARS[1]}
        ]
        return None
    return value


def infos(info: Any, event: str, web: str, contact: str, errors: dict) -> dict[str, dict]:
    if not isinstance(info, dict) or not info or set(info) - set(LANGUAGES):
        errors["info"] = [_("Send the texts under 'id' and/or 'en'.")]
        return {}
    infos = {}
    for language, texts in info.items():
        if not isinstance(texts, dict):
            errors[f"info.{language}"] = [_("Send the texts as an object.")]
            continue
        local: dict[str, Any] = {}
        cleaned = {
            "event": text(texts.get("event") or event, 120, "event", local),
            "sender_name": text(
                texts.get("sender_name") or settings.ALERTS_SENDER_NAME, 200, "sender_name", local
            ),
            "headline": text(texts.get("headline"), HEADLINE_MAX, "headline", local, required=True),
            "description": text(texts.get("description"), DESCRIPTION_MAX, "description", local),
            "instruction": text(texts.get("instruction"), INSTRUCTION_MAX, "instruction", local),
            "web": text(texts.get("web") or web, 200, "web", local),
            "contact": text(texts.get("contact") or contact, 200, "contact", local),
            "short_text": text(texts.get("short_text"), SHORT_TEXT_MAX, "short_text", local),
            "long_text": text(texts.get("long_text"), LONG_TEXT_MAX, "long_text", local),
        }
        if cleaned["web"] and not re.match(r"https?://\S+$", cleaned["web"]):
            local["web"] = [_("Send a web address starting with http:// or https://.")]
        if local:
            errors[f"info.{language}"] = local
        infos[language] = cleaned
    return infos


def rings_from_geojson(data: Any) -> list[list[list[float]]]:
    """Outer rings of a pasted GeoJSON (Polygon, MultiPolygon, Feature or FeatureCollection, in
    lon/lat) as CAP rings of [lat, lon]; the draft's checks then apply to each."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise InvalidArea(_("A FeatureCollection holds a list of features."))
        return [ring for feature in features for ring in rings_from_geojson(feature)]
    if isinstance(data, dict) and data.get("type") == "Feature":
        return rings_from_geojson(data.get("geometry"))
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidArea(_("Paste a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection."))
    coordinates = data.get("coordinates")
    polygons = [coordinates] if data["type"] == "Polygon" else coordinates
    rings = []
    try:
        for polygon in polygons:
            rings.append([[point[1], point[0]] for point in polygon[0]])
    except (TypeError, IndexError, KeyError):
        raise InvalidArea(_("The GeoJSON coordinates are not [lon, lat] rings.")) from None
    return rings
