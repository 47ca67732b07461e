"""What endpoints that take photos use: the serializer fields that run the intake, the parsers,
the output serializer; and the one view that serves private files by signed URL."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jaki.api import error_body
from jaki.media import services
from jaki.media.models import StoredImage
from jaki.media.selectors import media_url, signed_media
from jaki.parsers import JSONParser, MultiPartParser

# An endpoint that takes photos: multipart with them, or JSON without.
UPLOAD_PARSER_CLASSES = [MultiPartParser, JSONParser]


class ImageUploadField(serializers.FileField):
    """One uploaded image, run through the intake while validating: its value is a
    `PreparedImage` for `media_ingest`, and nothing is stored yet. A damaged image is a
    validation error of the field; a file too large is a 413, one of another type a 415."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> services.PreparedImage:
        upload = super().to_internal_value(data)
        try:
            return services.media_prepare(upload)
        except services.InvalidImage as error:
            raise serializers.ValidationError(str(error.detail), code="invalid_image") from None


class ImageListField(serializers.ListField):
    """Up to `max_items` images under one multipart name (`photos`), each through the intake;
    the count is checked before any of them is decoded."""

    def __init__(self, *, max_items: int = 3, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("required", False)
        self.max_items = max_items
        super().__init__(child=ImageUploadField(), max_length=max_items, **kwargs)

    def to_internal_value(self, data) -> list[services.PreparedImage]:
        limit = self.max_items
        if isinstance(data, list) and len(data) > limit:
            raise serializers.ValidationError(
                ngettext("Send at most %(count)d photo.", "Send at most %(count)d photos.", limit)
                % {"count": limit},
                code="max_length",
            )
        return super().to_internal_value(data)


class StoredImageSerializer(serializers.Serializer):
    """An image in a response: short-lived URLs for a private one (ask again when they expire)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    content_type = serializers.CharField(read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image: StoredImage) -> str:
        return media_url(image, request=self.context.get("request"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, image: StoredImage) -> str:
        return media_url(image, thumbnail=True, request=self.context.get("request"))


@require_safe
def signed_media_view(request: HttpRequest, token: str) -> HttpResponse:
    """`GET /media/s/<token>/`: a private file, for whoever holds a token that has not expired.

    Not an API endpoint (an <img> loads it, with no token header): errors keep the API's shape.
    """
    try:
        image, name = signed_media(token)
    except signing.SignatureExpired:
        body = error_body("link_expired", _("This link has expired: ask for a new one."))
        return JsonResponse(body, status=403)
    except (signing.BadSignature, StoredImage.DoesNotExist):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    storage = services.media_storage(image.visibility)
    try:
        file = storage.open(name, "rb")
    except FileNotFoundError:
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    response = FileResponse(file, content_type=image.content_type)
    response["Cache-Control"] = f"private, max-age={settings.MEDIA_SIGNED_URL_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [path("media/s/<str:token>/", signed_media_view, name="media-signed")]
