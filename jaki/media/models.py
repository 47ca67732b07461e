"""Stored images: one row for every file the intake kept, so services reference it by FK.

It names people only through settings.AUTH_USER_MODEL, so any layer above can use it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImageKind(models.TextChoices):
    """What an image is for; services add kinds here as they start storing them."""

    PHOTO = "photo", _("Photo")
    AFTER_PHOTO = "after_photo", _("Photo after the work")
    SNAPSHOT = "snapshot", _("Camera snapshot")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private: signed URLs only")
    PUBLIC = "public", _("Public")


class StoredImage(models.Model):
    """An image as the intake re-encoded it (no EXIF, upright, bounded), with its thumbnail.

    The storage names are uuids, never the client's file name; `visibility` picks the store
    (STORAGES `media_private` or `media_public`). Delete through `media_delete`, which removes
    the files too.
    """

    Kind = ImageKind
    Visibility = Visibility

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=ImageKind.choices)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    bytes = models.PositiveIntegerField(_("bytes"))
    content_type = models.CharField(_("content type"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    image_name = models.CharField(_("image file"), max_length=255, unique=True)
    thumbnail_name = models.CharField(_("thumbnail file"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stored image")
        verbose_name_plural = _("stored images")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"
