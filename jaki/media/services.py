"""The one image intake: every upload (complaint photos, "after" photos, camera snapshots) comes
through here, and nothing is stored that was not checked, cleaned and re-encoded first.

Two steps, so that a request with several photos stores none when one of them is bad:
`media_prepare` (no side effects: the serializer fields run it while validating) and
`media_ingest` (stores a prepared image, or prepares a file first, inside the caller's
transaction). A service holds a `StoredImage` by FK and deletes it with `media_delete`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from rest_framework import status

from jaki.api import DomainError
from jaki.media.models import ImageKind, StoredImage, Visibility

logger = logging.getLogger(__name__)

# Pillow's names for what we accept, detected from the content (HEIF: pillow-heif, apps.py).
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
CONTENT_TYPE = "image/jpeg"  # what every image is re-encoded to: every client shows it
IMAGE_QUALITY = 85
THUMBNAIL_QUALITY = 80
# Files younger than this are never purged as orphans: their row may not be committed yet.
ORPHAN_AGE = timedelta(hours=1)
_SRGB = ImageCms.createProfile("sRGB")


class UnsupportedImage(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_image"
    default_detail = gettext_lazy("Send a photo in JPEG, PNG, WebP or HEIC format.")


class FileTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"
    default_detail = gettext_lazy("This file is too large.")


class ImageTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "image_too_large"
    default_detail = gettext_lazy("This image has too many pixels.")


class InvalidImage(DomainError):
    default_code = "invalid_image"
    default_detail = gettext_lazy(
        "This image is damaged or incomplete: take or choose the photo again."
    )


@dataclass(frozen=True)
class PreparedImage:
    """An upload that passed the intake, re-encoded in memory and not stored yet."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str
    sha256: str


def media_prepare(file: IO[bytes] | bytes) -> PreparedImage:
    """Check an upload from its content and re-encode it: upright, EXIF gone, sRGB, longest side
    at most MEDIA_MAX_SIDE, with a thumbnail. Stores nothing; raises the intake's 4xx errors."""
    data = _read_bounded(file)
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise UnsupportedImage() from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage() from None
    # The header's size, before a single pixel is decoded.
    if image.width * image.height > settings.MEDIA_MAX_PIXELS:
        raise ImageTooLarge()
    max_side = settings.MEDIA_MAX_SIDE
    image.draft("RGB", (max_side, max_side))  # JPEG decodes at 1/2, 1/4, 1/8 when that is enough
    try:
        image.load()
        rgb = _to_srgb(_flatten(_upright(image)), image.info.get("icc_profile"))
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage() from None
    rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumbnail = rgb.copy()
    side = settings.MEDIA_THUMBNAIL_SIDE
    thumbnail.thumbnail((side, side), Image.Resampling.LANCZOS)
    encoded = _encode(rgb, IMAGE_QUALITY)
    return PreparedImage(
        image=encoded,
        thumbnail=_encode(thumbnail, THUMBNAIL_QUALITY),
        width=rgb.width,
        height=rgb.height,
        content_type=CONTENT_TYPE,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


def _read_bounded(file: IO[bytes] | bytes) -> bytes:
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if getattr(file, "size", None) is not None and file.size > limit:
            raise _file_too_large(limit)
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise _file_too_large(limit)
    return data


def _file_too_large(limit: int) -> FileTooLarge:
    megabytes = limit // (1024 * 1024)
    return FileTooLarge(_("A file may be at most %(megabytes)d MB.") % {"megabytes": megabytes})


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF Orientation says; EXIF too broken to read leaves the pixels as sent."""
    try:
        return ImageOps.exif_transpose(image)
    except (KeyError, TypeError, ValueError, struct.error, SyntaxError):
        return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; transparency composited onto white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Colours as the camera meant them (an iPhone's Display P3), with no profile left to keep."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a profile that does not fit the pixels: keep them as they are


def _encode(image: Image.Image, quality: int) -> bytes:
    # Pillow falls back on `info` for some metadata (a JPEG comment): nothing of it may leave.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def media_storage(visibility: Visibility | str) -> Storage:
    """The store of one visibility (STORAGES `media_private` / `media_public`)."""
    return storages[f"media_{Visibility(visibility).value}"]


@transaction.atomic
def media_ingest(
    upload: PreparedImage | IO[bytes] | bytes,
    *,
    owner: Any | None = None,
    visibility: Visibility | str = Visibility.PRIVATE,
    kind: ImageKind | str = ImageKind.PHOTO,
) -> StoredImage:
    """Store an upload (prepared by the serializer field, or prepared here) under uuid names and
    record it; joins the caller's transaction. Files written before a failure here are deleted
    at once; those of a caller's transaction that rolls back later go with `media_purge_orphans`.
    """
    prepared = upload if isinstance(upload, PreparedImage) else media_prepare(upload)
    storage = media_storage(visibility)
    stem = f"{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        written.append(storage.save(f"{stem}.jpg", ContentFile(prepared.image)))
        written.append(storage.save(f"{stem}-thumb.jpg", ContentFile(prepared.thumbnail)))
        return StoredImage.objects.create(
            kind=ImageKind(kind),
            visibility=Visibility(visibility),
            owner=owner,
            width=prepared.width,
            height=prepared.height,
            bytes=len(prepared.image),
            content_type=prepared.content_type,
            sha256=prepared.sha256,
            image_name=written[0],
            thumbnail_name=written[1],
        )
    except BaseException:
        _delete_files(storage, written)
        raise


def media_delete(image: StoredImage) -> None:
    """Delete the row, and its files once that commits (a rolled-back delete keeps them)."""
    storage = media_storage(image.visibility)
    names = [image.image_name, image.thumbnail_name]
    image.delete()
    transaction.on_commit(lambda: _delete_files(storage, names))


def media_purge_orphans(*, older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete files no row names: those of a transaction that rolled back after the intake
    wrote them, or of a process killed in between. Only the last two days' folders are listed
    (names begin with the date), so a purge costs the same on a bucket of millions."""
    now = timezone.now()
    cutoff = now - older_than
    purged = 0
    for visibility in Visibility:
        storage = media_storage(visibility)
        for day in (now - timedelta(days=1), now):
            folder = f"{day:%Y/%m/%d}"
            try:
                _, files = storage.listdir(folder)
            except FileNotFoundError:
                continue
            names = {f"{folder}/{name}" for name in files}
            known = set(
                StoredImage.objects.filter(image_name__in=names).values_list(
                    "image_name", flat=True
                )
            ) | set(
                StoredImage.objects.filter(thumbnail_name__in=names).values_list(
                    "thumbnail_name", flat=True
                )
            )
            for name in sorted(names - known):
                if storage.get_modified_time(name) < cutoff:
                    storage.delete(name)
                    purged += 1
    return purged


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            # The row is gone either way; the orphan purge retries what is left.
            logger.exception("Could not delete the media file %s", name)
