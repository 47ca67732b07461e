"""Stored images for staff who hold the view permission: a read-only list with previews."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from jaki.media.models import StoredImage
from jaki.media.selectors import media_url


@admin.register(StoredImage)
class StoredImageAdmin(admin.ModelAdmin):
    list_display = ("preview", "public_id", "kind", "visibility", "width", "height", "created_at")
    list_filter = ("kind", "visibility", "created_at")
    search_fields = ("public_id", "sha256")
    date_hierarchy = "created_at"
    readonly_fields = ("preview", *(f.name for f in StoredImage._meta.fields))
    # The owner is shown by id only: no name or phone in a list of photos.
    raw_id_fields = ("owner",)

    @admin.display(description=_("preview"))
    def preview(self, image: StoredImage) -> str:
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="max-width:160px;max-height:160px">',
            media_url(image, thumbnail=True),
        )

    # Images are written by the intake and deleted by the services that own them
    # (media_delete removes the files too), never here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
