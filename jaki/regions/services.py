"""Region writes: one region (admin, demo) or a whole file's worth (load_regions).

Every write goes through here so the rules hold whatever the source: a boundary is a valid
Polygon/MultiPolygon in lon/lat degrees, the bbox columns match it, a parent is the level
directly above, and the locate index learns about the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import shapely
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from jaki import lifecycle
from jaki.api import DomainError
from jaki.regions import index
from jaki.regions.models import Region

Level = Region.Level

PARENT_LEVEL: dict[str, str | None] = {
    Level.KOTA: None,
    Level.KECAMATAN: Level.KOTA,
    Level.KELURAHAN: Level.KECAMATAN,
}
CHILD_LEVEL: dict[str, str | None] = {
    Level.KOTA: Level.KECAMATAN,
    Level.KECAMATAN: Level.KELURAHAN,
    Level.KELURAHAN: None,
}
# Codes travel in URLs (/api/v1/regions/{code}/): no slashes, spaces or other surprises.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_BULK_BATCH = 500


class InvalidRegion(DomainError):
    default_code = "invalid_region"
    default_detail = gettext_lazy("The region is not valid.")


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


# --- Rules -----------------------------------------------------------------------------------


def boundary_clean(boundary: Any) -> tuple[dict, tuple[float, float, float, float]]:
    """A GeoJSON Polygon/MultiPolygon to store, and its (min_lon, min_lat, max_lon, max_lat).

    An invalid shape is repaired, because boundary files in the wild often have such faults:
    each part is made valid on its own (a bow-tie becomes two triangles) and the parts are
    then unioned, so an island drawn inside another part (the "nested shells" of Kepulauan
    Seribu's island groups) stays covered instead of becoming a hole, as make_valid alone
    would leave it. Anything that is not polygonal, empty, or not in degrees is refused.
    """
    if not isinstance(boundary, Mapping) or boundary.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise InvalidRegion(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geom = shape(boundary)
        valid = geom.is_valid
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ):
        raise InvalidRegion(_("The boundary is not a readable GeoJSON geometry.")) from None
    if geom.is_empty:
        raise InvalidRegion(_("The boundary is empty."))
    if valid:
        cleaned = {"type": boundary["type"], "coordinates": _as_lists(boundary["coordinates"])}
    else:
        geom = _repaired(geom)
        if geom is None:
            raise InvalidRegion(_("The boundary has no area."))
        cleaned = _as_lists(mapping(geom))
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    # Written so that NaN fails too.
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidRegion(_("The boundary must be in longitude/latitude degrees (WGS84)."))
    return cleaned, (min_lon, min_lat, max_lon, max_lat)


def _repaired(geom: BaseGeometry) -> BaseGeometry | None:
    """The area an invalid Polygon/MultiPolygon means: the union of its parts, each made valid."""
    parts = [index.polygonal(shapely.make_valid(part)) for part in shapely.get_parts(geom)]
    return index.polygonal(shapely.union_all([part for part in parts if part is not None]))


def _as_lists(value: Any) -> Any:
    """JSON's own shapes (lists, floats), so a stored boundary compares equal to a reloaded one."""
    if isinstance(value, Mapping):
        return {key: _as_lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_lists(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def region_check_parent(*, level: str, parent: Region | None) -> None:
    """A parent is the level directly above; below kota a region may lack one (files do)."""
    if level not in PARENT_LEVEL:
        raise InvalidRegion(_("Unknown level “%(level)s”.") % {"level": level})
    if parent is None:
        return
    expected = PARENT_LEVEL[level]
    if expected is None:
        raise InvalidRegion(_("A kota has no parent region."))
    if parent.level != expected:
        raise InvalidRegion(
            _("The parent of a %(level)s must be a %(expected)s, not a %(actual)s.")
            % {"level": level, "expected": expected, "actual": parent.level}
        )


def region_check_level_change(*, region: Region, level: str) -> None:
    """A region keeps its level while it has children that need it."""
    if region.pk is None:
        return
    children = Region.objects.filter(parent=region)
    expected = CHILD_LEVEL.get(level)
    if expected is not None:
        children = children.exclude(level=expected)
    if children.exists():
        raise InvalidRegion(
            _("This region has child regions; it cannot become a %(level)s.") % {"level": level}
        )


def _check_code(code: str) -> None:
    if not CODE_PATTERN.match(code or "") or len(code) > 64:
        raise InvalidRegion(
            _("A code has 1 to 64 letters, digits, dots, dashes or underscores: “%(code)s”.")
            % {"code": code}
        )


# --- One region ------------------------------------------------------------------------------


@transaction.atomic
def region_save(*, region: Region) -> Region:
    """Validate and save one region (new or changed); sets its bbox from its boundary."""
    region.code = (region.code or "").strip()
    region.name = " ".join((region.name or "").split())
    _check_code(region.code)
    if not region.name:
        raise InvalidRegion(_("A region needs a name."))
    region_check_parent(level=region.level, parent=region.parent)
    region_check_level_change(region=region, level=region.level)
    if region.boundary is None:
        region.min_lon = region.min_lat = region.max_lon = region.max_lat = None
    else:
        region.boundary, bounds = boundary_clean(region.boundary)
        region.min_lon, region.min_lat, region.max_lon, region.max_lat = bounds
    try:
        region.full_clean(exclude=["boundary"])
    except DjangoValidationError as exc:
        raise InvalidRegion(" ".join(exc.messages)) from exc
    region.save()  # the post_save signal invalidates the locate index
    lifecycle.regions_changed.run(codes=[region.code])
    return region


def region_upsert(
    *,
    code: str,
    name: str,
    level: str,
    parent: Region | None = None,
    boundary: dict | None = None,
) -> tuple[Region, Outcome]:
    """Create or update the region with this code; an identical region is left untouched."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        return region_save(
            region=Region(code=code, name=name, level=level, parent=parent, boundary=boundary)
        ), Outcome.CREATED
    before = _comparable(region)
    region.name, region.level, region.parent, region.boundary = name, level, parent, boundary
    # Clean before comparing so an equal boundary written differently counts as unchanged.
    if boundary is not None:
        region.boundary, _bounds = boundary_clean(boundary)
    if _comparable(region) == before:
        return region, Outcome.UNCHANGED
    return region_save(region=region), Outcome.UPDATED


def _comparable(region: Region) -> tuple:
    return (
        " ".join(region.name.split()),
        region.level,
        region.parent_id,
        region.boundary,
    )


# --- Many regions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionInput:
    """One region to write in bulk; `label` names it in reports (e.g. the file's name)."""

    code: str
    name: str
    parent: Region | None
    boundary: dict | None
    label: str = ""


@dataclass
class BulkResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, reason)


@transaction.atomic
def regions_bulk_upsert(*, level: str, items: Sequence[RegionInput]) -> BulkResult:
    """Create or update many regions of one level by code, in one transaction.

    An item that breaks a rule is skipped with its reason instead of failing the batch, so one
    bad feature in a file of hundreds is reported rather than blocking the rest. Bulk writes
    send no signals: the locate index is invalidated here, once. `regions_changed` runs even
    when nothing changed, so what other apps derive from regions (the offices) is brought back
    in step by loading the same file again; in step, it writes nothing.
    """
    if level not in PARENT_LEVEL:
        raise InvalidRegion(_("Unknown level “%(level)s”.") % {"level": level})
    result = BulkResult()
    cleaned: dict[str, tuple[RegionInput, dict | None, tuple | None]] = {}
    for item in items:
        label = item.label or item.name or item.code
        try:
            _check_code(item.code)
            if not item.name.strip():
                raise InvalidRegion(_("A region needs a name."))
            region_check_parent(level=level, parent=item.parent)
            if item.code in cleaned:
                raise InvalidRegion(
                    _("Another region in this batch has the code “%(code)s”.") % {"code": item.code}
                )
            boundary, bounds = (
                (None, None) if item.boundary is None else boundary_clean(item.boundary)
            )
        except InvalidRegion as exc:
            result.skipped.append((label, str(exc.detail)))
            continue
        cleaned[item.code] = (item, boundary, bounds)

    existing = Region.objects.in_bulk(list(cleaned), field_name="code")
    now = timezone.now()
    to_create: list[Region] = []
    to_update: list[Region] = []
    for code, (item, boundary, bounds) in cleaned.items():
        name = " ".join(item.name.split())
        region = existing.get(code)
        if region is not None and region.level != level:
            result.skipped.append(
                (
                    item.label or name,
                    _("The code “%(code)s” already belongs to a %(level)s.")
                    % {"code": code, "level": region.level},
                )
            )
            continue
        if region is None:
            region = Region(code=code, level=level)
            to_create.append(region)
            result.created.append(code)
        elif (region.name, region.parent_id, region.boundary) == (
            name,
            item.parent.pk if item.parent else None,
            boundary,
        ):
            result.unchanged.append(code)
            continue
        else:
            region.updated_at = now  # bulk_update skips auto_now
            to_update.append(region)
            result.updated.append(code)
        region.name, region.parent, region.boundary = name, item.parent, boundary
        region.min_lon, region.min_lat, region.max_lon, region.max_lat = bounds or (None,) * 4

    Region.objects.bulk_create(to_create, batch_size=_BULK_BATCH)
    Region.objects.bulk_update(
        to_update,
        ["name", "parent", "boundary", "min_lon", "min_lat", "max_lon", "max_lat", "updated_at"],
        batch_size=_BULK_BATCH,
    )
    if to_create or to_update:
        index.invalidate()
    lifecycle.regions_changed.run(codes=[*result.created, *result.updated])
    return result
