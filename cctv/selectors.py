"""Reads of cameras. Each takes the viewer, so a list can never hold a restricted camera that
the viewer may not see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db.models import QuerySet

from cctv import permissions
from cctv.models import Camera, Favourite, Status
from jaki.accounts.models import Organisation, Role, User
from jaki.process_copy import ProcessCopy, loaded_instance
from jaki.regions.selectors import nearby, within_bbox

_RELATED = ("kelurahan", "organisation")


def _listed(queryset: QuerySet[Camera]) -> QuerySet[Camera]:
    return queryset.select_related(*_RELATED).defer(
        "kelurahan__boundary", "stream_url_encrypted", "snapshot_url_encrypted"
    )


def cameras_visible(*, user) -> QuerySet[Camera]:
    condition = permissions.visible_filter(user)
    cameras = Camera.objects.all()
    return cameras if condition is None else cameras.filter(condition)


def cameras_list(
    *,
    user,
    category: str | None = None,
    status: str | None = None,
    bbox: Sequence[float] | None = None,
) -> QuerySet[Camera]:
    cameras = cameras_visible(user=user)
    if category:
        cameras = cameras.filter(category=category)
    if status:
        cameras = cameras.filter(status=status)
    if bbox is not None:
        cameras = within_bbox(cameras, bbox)
    return _listed(cameras)


def cameras_near(
    *,
    user,
    lat: float,
    lon: float,
    radius_m: float,
    limit: int,
    category: str | None = None,
    status: str | None = None,
    bbox: Sequence[float] | None = None,
) -> list[tuple[Camera, float]]:
    """Visible cameras within radius_m of a point, nearest first, with their distances."""
    cameras = cameras_list(user=user, category=category, status=status, bbox=bbox)
    return nearby(cameras, lat=lat, lon=lon, radius_m=radius_m, limit=limit)


def camera_visible(*, public_id, user) -> Camera | None:
    """The camera if `user` may see it, else None (a 404)."""
    try:
        return _listed(cameras_visible(user=user)).get(public_id=public_id)
    except (Camera.DoesNotExist, ValueError):
        return None


_WATCH_FIELDS = ["id", "public_id", "code", "organisation_id"]


def _public_cameras() -> dict[uuid.UUID, tuple]:
    rows = Camera.objects.filter(public=True).values_list(*_WATCH_FIELDS)
    return {row[1]: row for row in rows}


# A phone asks for a stream URL every couple of minutes while it plays; nearly every camera
# it asks for is public, and who may see a public one does not depend on who asks.
_public: ProcessCopy[dict[uuid.UUID, tuple]] = ProcessCopy(
    version_key="cctv:public-cameras-version",
    build=_public_cameras,
    check_seconds=lambda: settings.CCTV_CATALOGUE_CHECK_SECONDS,
)


def public_cameras_changed(*, update_fields=None) -> None:
    """A camera was saved or deleted: renew the copy, unless only fields it does not hold were
    saved (secrets and snapshots are saved by field)."""
    if update_fields is None or {"public", "code", "organisation"} & set(update_fields):
        _public.invalidate()


def camera_to_watch(*, public_id, user) -> Camera | None:
    """camera_visible with only what a stream grant needs: a public camera from this process's
    copy of the public ones (no query), a restricted one from the database with the viewer's
    rights. The copy follows a camera made restricted within CCTV_CATALOGUE_CHECK_SECONDS, well
    inside the life of a stream URL handed out before."""
    row = _public.get().get(public_id)
    if row is not None:
        return loaded_instance(Camera, **dict(zip(_WATCH_FIELDS, row, strict=True)), public=True)
    try:
        return (
            cameras_visible(user=user)
            .only("pk", "public_id", "code", "public", "organisation_id")
            .get(public_id=public_id)
        )
    except (Camera.DoesNotExist, ValueError):
        return None


def camera_for_update(*, pk: int) -> Camera:
    return Camera.objects.select_related("snapshot").get(pk=pk)


def favourites_of(*, user) -> QuerySet[Camera]:
    """The user's favourite cameras that they may still see."""
    ids = Favourite.objects.filter(user=user).values("camera_id")
    return _listed(cameras_visible(user=user).filter(pk__in=ids))


def favourite_ids(*, user, cameras: Sequence[Camera]) -> set[int]:
    if not (user and user.is_authenticated):
        return set()
    return set(
        Favourite.objects.filter(user=user, camera__in=cameras).values_list("camera_id", flat=True)
    )


def operators_of(*, organisation_ids: set[int]) -> dict[int, list[User]]:
    """For each organisation, the active CCTV operators who answer for it: its own and those of
    every organisation above it (a dinas for its suku dinas). Two queries."""
    parents = dict(Organisation.objects.values_list("pk", "parent_id"))
    chains: dict[int, list[int]] = {}
    for org in organisation_ids:
        chain, node, seen = [], org, set()
        while node is not None and node not in seen:
            seen.add(node)
            chain.append(node)
            node = parents.get(node)
        chains[org] = chain
    wanted = {o for chain in chains.values() for o in chain}
    operators = User.objects.filter(
        is_active=True,
        is_staff=True,
        groups__name=Role.CCTV_OPERATOR,
        organisation_id__in=wanted,
    ).distinct()
    by_org: dict[int, list[User]] = {}
    for person in operators:
        by_org.setdefault(person.organisation_id, []).append(person)
    return {
        org: [p for node in chain for p in by_org.get(node, [])] for org, chain in chains.items()
    }


def cameras_offline_count() -> int:
    return Camera.objects.filter(status=Status.OFFLINE).count()
