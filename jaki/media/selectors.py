"""Reading stored images: the one way to get an image's URL."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from jaki.media.models import StoredImage, Visibility
from jaki.media.services import media_storage

SIGNING_SALT = "jaki.media.signed-url"


def media_url(
    image: StoredImage, *, thumbnail: bool = False, request: HttpRequest | None = None
) -> str:
    """The URL a client loads the image (or its thumbnail) from.

    Public: the store's plain URL. Private: a URL that works for MEDIA_SIGNED_URL_SECONDS,
    presigned by the store itself where it can (S3), else one of ours (`GET /media/s/<token>/`).
    With `request`, a relative URL is made absolute.
    """
    storage = media_storage(image.visibility)
    name = image.thumbnail_name if thumbnail else image.image_name
    if image.visibility == Visibility.PUBLIC:
        url = storage.url(name)
    elif getattr(storage, "querystring_auth", False):
        url = storage.url(name, expire=settings.MEDIA_SIGNED_URL_SECONDS)
    else:
        token = signing.dumps({"i": image.public_id.hex, "t": int(thumbnail)}, salt=SIGNING_SALT)
        url = reverse("media-signed", kwargs={"token": token})
    return request.build_absolute_uri(url) if request is not None else url


def signed_media(token: str) -> tuple[StoredImage, str]:
    """The image and storage name a signed token names; `signing.SignatureExpired` past its
    time, `signing.BadSignature` for a forged one, `StoredImage.DoesNotExist` once deleted."""
    claims = signing.loads(token, salt=SIGNING_SALT, max_age=settings.MEDIA_SIGNED_URL_SECONDS)
    image = StoredImage.objects.get(public_id=claims["i"], visibility=Visibility.PRIVATE)
    return image, image.thumbnail_name if claims["t"] else image.image_name
