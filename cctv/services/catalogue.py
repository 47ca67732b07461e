"""The camera catalogue: creating and importing cameras, their secrets, maintenance,
favourites, and a resident's erasure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cctv.models import Camera, Category, Favourite, StatusChange, StreamSession
from cctv.models import Status as CameraStatus
from cctv.vault import secret_encrypt, secret_rotate
from jaki.accounts.models import Organisation
from jaki.api import DomainError
from jaki.regions.selectors import locate_kelurahan

STREAM_SCHEMES = ("http", "https", "rtsp", "rtsps")
SNAPSHOT_SCHEMES = ("http", "https")


class InvalidCamera(DomainError):
    default_code = "invalid_camera"
    default_detail = gettext_lazy("The camera's details are not valid.")


@dataclass(frozen=True)
class CameraInput:
    """One camera as an import row or an admin form gives it."""

    code: str
    name: str
    lat: float
    lon: float
    category: str
    stream_url: str
    snapshot_url: str = ""
    public: bool = True


def source_url_check(url: str, *, kind: str) -> None:
    """Raise InvalidCamera unless `url` can be a `stream` or `snapshot` source."""
    if kind == "stream":
        _check_url(url, STREAM_SCHEMES, field="stream_url")
    else:
        _check_url(url, SNAPSHOT_SCHEMES, field="snapshot_url")


def _check_url(url: str, schemes: tuple[str, ...], *, field: str) -> None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in schemes:
        raise InvalidCamera(
            _("%(field)s must be a %(schemes)s URL.")
            % {"field": field, "schemes": "/".join(schemes)}
        )


def _check(data: CameraInput) -> None:
    if data.category not in Category.values:
        raise InvalidCamera(
            _("Unknown category; use one of: %(choices)s.") % {"choices": ", ".join(Category)}
        )
    if not (-90 <= data.lat <= 90 and -180 <= data.lon <= 180):
        raise InvalidCamera(_("A coordinate is out of range."))
    _check_url(data.stream_url, STREAM_SCHEMES, field="stream_url")
    if data.snapshot_url:
        _check_url(data.snapshot_url, SNAPSHOT_SCHEMES, field="snapshot_url")


@transaction.atomic
def camera_upsert(*, data: CameraInput, organisation: Organisation) -> tuple[Camera, bool]:
    """Create the camera of `data.code`, or update it (its secrets re-encrypted under the
    current key); its kelurahan is located from the point. Returns (camera, created)."""
    _check(data)
    kelurahan = locate_kelurahan(data.lat, data.lon)
    camera, created = Camera.objects.update_or_create(
        code=data.code,
        defaults={
            "name": data.name,
            "lat": data.lat,
            "lon": data.lon,
            "kelurahan": kelurahan,
            "category": data.category,
            "organisation": organisation,
            "public": data.public,
            "stream_url_encrypted": secret_encrypt(data.stream_url),
            "snapshot_url_encrypted": secret_encrypt(data.snapshot_url),
        },
    )
    return camera, created


def camera_create(*, data: CameraInput, organisation: Organisation) -> Camera:
    return camera_upsert(data=data, organisation=organisation)[0]


def camera_set_secrets(
    *, camera: Camera, stream_url: str | None = None, snapshot_url: str | None = None
) -> None:
    """Replace the origin or snapshot URL (None keeps it, '' clears the snapshot URL)."""
    fields = []
    if stream_url is not None:
        _check_url(stream_url, STREAM_SCHEMES, field="stream_url")
        camera.stream_url_encrypted = secret_encrypt(stream_url)
        fields.append("stream_url_encrypted")
    if snapshot_url is not None:
        if snapshot_url:
            _check_url(snapshot_url, SNAPSHOT_SCHEMES, field="snapshot_url")
        camera.snapshot_url_encrypted = secret_encrypt(snapshot_url)
        fields.append("snapshot_url_encrypted")
    if fields and camera.pk:
        camera.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def camera_save(
    *, camera: Camera, stream_url: str | None = None, snapshot_url: str | None = None
) -> Camera:
    """Save a camera edited in the admin: its kelurahan located from the point, its secrets
    replaced where given (a new camera needs its stream URL)."""
    if camera.pk is None and not stream_url:
        raise InvalidCamera(_("A new camera needs its origin stream URL."))
    camera_set_secrets(camera=camera, stream_url=stream_url, snapshot_url=snapshot_url)
    camera.kelurahan = locate_kelurahan(camera.lat, camera.lon)
    camera.save()
    return camera


@transaction.atomic
def cameras_set_maintenance(*, cameras: QuerySet[Camera], on: bool) -> int:
    """Put cameras into maintenance (probes skip them, residents see it) or take them out
    (offline until the probes see 2 successes). Returns how many changed."""
    now = timezone.now()
    if on:
        changing = list(cameras.exclude(status=CameraStatus.MAINTENANCE))
        target = CameraStatus.MAINTENANCE
    else:
        changing = list(cameras.filter(status=CameraStatus.MAINTENANCE))
        target = CameraStatus.OFFLINE
    StatusChange.objects.bulk_create(
        StatusChange(camera=c, from_status=c.status, to_status=target, reason="maintenance", at=now)
        for c in changing
    )
    Camera.objects.filter(pk__in=[c.pk for c in changing]).update(
        status=target,
        consecutive_failures=0,
        consecutive_successes=0,
        offline_since=now if target == CameraStatus.OFFLINE else None,
        offline_notified_at=None,
        updated_at=now,
    )
    return len(changing)


def favourite_add(*, user, camera: Camera) -> bool:
    """Mark a favourite; True when it is new (a repeat changes nothing)."""
    _, created = Favourite.objects.get_or_create(user=user, camera=camera)
    return created


def favourite_remove(*, user, camera: Camera) -> None:
    Favourite.objects.filter(user=user, camera=camera).delete()


def cctv_forget_user(*, user, **_kwargs: Any) -> None:
    """`user_erased` handler: favourites and stream sessions (with their addresses) go. Audit
    rows of restricted-camera views stay: they point at the anonymised account."""
    Favourite.objects.filter(user=user).delete()
    StreamSession.objects.filter(user=user).delete()


def secrets_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt every camera's secrets under the first of CCTV_SECRET_KEYS."""
    done = 0
    ids = list(Camera.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            cameras = list(
                Camera.objects.select_for_update()
                .filter(pk__in=ids[start : start + batch_size])
                .only("pk", "stream_url_encrypted", "snapshot_url_encrypted")
            )
            for camera in cameras:
                camera.stream_url_encrypted = secret_rotate(camera.stream_url_encrypted)
                camera.snapshot_url_encrypted = secret_rotate(camera.snapshot_url_encrypted)
            Camera.objects.bulk_update(cameras, ["stream_url_encrypted", "snapshot_url_encrypted"])
            done += len(cameras)
    return done
