"""Watching a camera: stream URLs (issued here, checked again by the edge through the media-auth
hook) and snapshots. Every stream or snapshot of a restricted camera writes an audit row."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import status

from cctv import clients, streams
from cctv.models import Camera, StreamSession
from cctv.vault import InvalidToken, secret_decrypt
from jaki.accounts.models import User
from jaki.api import DomainError
from jaki.audit.models import AuditAction
from jaki.audit.services import audit_record
from jaki.media.models import ImageKind, StoredImage, Visibility
from jaki.media.services import media_delete, media_ingest

logger = logging.getLogger(__name__)

AUDIT_KIND = "cctv.camera"
READ_ACTIONS = ("read", "playback")


class TooManyStreams(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_streams"
    default_detail = gettext_lazy(
        "You are already watching as many cameras as allowed. Close one and try again."
    )


class SnapshotUnavailable(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "snapshot_unavailable"
    default_detail = gettext_lazy("This camera has no still image right now. Try again later.")


class StreamRefused(DomainError):
    """The edge must not serve this read: 403 (forged, foreign, replayed) or 410 (expired)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "stream_token_invalid"
    default_detail = gettext_lazy("This stream link is not valid.")


class StreamExpired(StreamRefused):
    status_code = status.HTTP_410_GONE
    default_code = "stream_token_expired"
    default_detail = gettext_lazy("This stream link has expired: ask for a new one.")


class StreamReplayed(StreamRefused):
    default_code = "stream_token_replayed"
    default_detail = gettext_lazy("This stream link is already played from another address.")


@dataclass(frozen=True)
class StreamGrant:
    url: str
    expires_at: datetime


def _audit_view(*, user, camera: Camera, request, what: str, **details: Any) -> None:
    if camera.public:
        return
    audit_record(
        actor=user,
        action=AuditAction.CAMERA_VIEWED,
        obj_kind=AUDIT_KIND,
        obj_id=camera.public_id,
        request=request,
        details={"what": what, "camera": camera.code, **details},
    )


def stream_issue(*, user: User, camera: Camera, request=None) -> StreamGrant:
    """A signed URL for `camera` that works for CCTV_STREAM_TOKEN_SECONDS. The caller has
    checked that `user` may see the camera. A user watches at most CCTV_MAX_STREAMS_PER_USER
    cameras at once (a new URL for a camera they are watching is a renewal); TooManyStreams
    beyond. A restricted camera's grant is audited in the same transaction."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.CCTV_STREAM_TOKEN_SECONDS)
    if camera.public:
        session = _session_within_limit(user=user, camera=camera, now=now, expires_at=expires_at)
    else:
        with transaction.atomic():
            # Inside one transaction the grants of one user are counted one at a time.
            User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
            session = _session_within_limit(
                user=user, camera=camera, now=now, expires_at=expires_at
            )
            _audit_view(
                user=user, camera=camera, request=request, what="stream", session=session.pk.hex
            )
    url = streams.stream_url(
        camera=camera.code,
        session=session.pk.hex,
        user=user.public_id.hex,
        expires=int(expires_at.timestamp()),
    )
    return StreamGrant(url=url, expires_at=expires_at.replace(microsecond=0))


def _session_within_limit(
    *, user: User, camera: Camera, now: datetime, expires_at: datetime
) -> StreamSession:
    """Insert the session, then count: outside a transaction each statement sees what others
    committed before it, so parallel requests may both be refused but never both pass the
    limit. Two statements, no lock: the endpoint a phone calls every few minutes stays cheap."""
    session = StreamSession.objects.create(
        id=uuid.uuid4(), user=user, camera=camera, expires_at=expires_at
    )
    watching = (
        StreamSession.objects.filter(user=user, expires_at__gt=now)
        .values("camera_id")
        .distinct()
        .count()
    )
    if watching > settings.CCTV_MAX_STREAMS_PER_USER:
        session.delete()
        raise TooManyStreams()
    return session


def _token_and_camera(payload: dict) -> tuple[str, str]:
    """Where MediaMTX puts our token: the path's first element (`{token}/{camera}`, as
    stream_url writes it), else the `token` field (a Bearer header) or `?token=` with the path
    naming the camera alone."""
    path = str(payload.get("path") or "").strip("/")
    head, _, rest = path.partition("/")
    if rest and streams.TOKEN_PATTERN.match(head):
        return head, rest
    token = str(payload.get("token") or "")
    if not token:
        query = str(payload.get("query") or "")
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name == "token":
                token = value
    return token, path


def media_auth_check(*, payload: dict) -> Camera:
    """The edge asks whether a read may go on (MediaMTX `authMethod: http`). Returns the camera;
    raises StreamRefused (403) for a forged or foreign token, an action other than reading, or
    a replay from a second address; StreamExpired (410) past its time."""
    if str(payload.get("action") or "") not in READ_ACTIONS:
        raise StreamRefused()
    token, camera_code = _token_and_camera(payload)
    try:
        parsed = streams.token_parse(token)
    except streams.TokenInvalid:
        raise StreamRefused() from None
    session = (
        StreamSession.objects.select_related("user", "camera")
        .filter(pk=uuid.UUID(parsed.session))
        .first()
    )
    if session is None or session.camera.code != camera_code:
        raise StreamRefused()
    try:
        streams.token_verify(parsed, user=session.user.public_id.hex, camera=camera_code)
    except streams.TokenInvalid:
        raise StreamRefused() from None
    if parsed.expires <= timezone.now().timestamp():
        raise StreamExpired()
    if not session.user.is_active:
        raise StreamRefused()
    address = str(payload.get("ip") or "") or None
    if settings.CCTV_STREAM_BIND_ADDRESS and address:
        if session.client_address is None:
            # The first address to play it owns it; a parallel first read loses the race.
            claimed = StreamSession.objects.filter(
                pk=session.pk, client_address__isnull=True
            ).update(client_address=address)
            if not claimed:
                session.refresh_from_db(fields=["client_address"])
        if session.client_address not in (None, address):
            raise StreamReplayed()
    return session.camera


def snapshot_latest(*, camera: Camera, user, request=None) -> tuple[StoredImage, datetime, bool]:
    """The camera's latest still: from storage while younger than CCTV_SNAPSHOT_MAX_AGE_SECONDS,
    else fetched now (one fetch per camera at a time; the others get the older one). Returns
    (image, captured_at, fresh); SnapshotUnavailable when there is none at all."""
    if not camera.public and user is not None and user.is_authenticated:
        _audit_view(user=user, camera=camera, request=request, what="snapshot")
    now = timezone.now()
    current = camera.snapshot
    max_age = timedelta(seconds=settings.CCTV_SNAPSHOT_MAX_AGE_SECONDS)
    if current is not None and camera.snapshot_captured_at > now - max_age:
        return current, camera.snapshot_captured_at, True
    lock = f"cctv:snapshot-fetch:{camera.pk}"
    if not cache.add(lock, 1, timeout=int(settings.CCTV_SNAPSHOT_TIMEOUT_SECONDS) + 5):
        return _older(current, camera)
    try:
        encrypted = Camera.objects.values_list("snapshot_url_encrypted", flat=True).get(
            pk=camera.pk
        )
        url = secret_decrypt(encrypted)
        if not url:
            return _older(current, camera)
        data = clients.snapshot_fetch(
            url,
            timeout=settings.CCTV_SNAPSHOT_TIMEOUT_SECONDS,
            max_bytes=settings.MEDIA_MAX_UPLOAD_BYTES,
        )
        with transaction.atomic():
            image = media_ingest(data, kind=ImageKind.SNAPSHOT, visibility=Visibility.PRIVATE)
            Camera.objects.filter(pk=camera.pk).update(snapshot=image, snapshot_captured_at=now)
            if current is not None:
                media_delete(current)
        camera.snapshot, camera.snapshot_captured_at = image, now
        return image, now, True
    except (clients.SnapshotUnavailable, DomainError, InvalidToken) as exc:
        # A code, never the exception's text: it would carry the URL and its credentials.
        logger.warning("Snapshot of camera %s failed: %s", camera.code, _reason(exc))
        return _older(current, camera)
    finally:
        cache.delete(lock)


def _reason(exc: Exception) -> str:
    if isinstance(exc, clients.SnapshotUnavailable):
        return str(exc.args[0]) if exc.args else "unavailable"
    if isinstance(exc, DomainError):
        return str(exc.default_code)
    return "undecryptable"


def _older(current: StoredImage | None, camera: Camera) -> tuple[StoredImage, datetime, bool]:
    if current is None:
        raise SnapshotUnavailable()
    return current, camera.snapshot_captured_at, False
