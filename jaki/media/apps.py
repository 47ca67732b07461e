import warnings

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "jaki.media"
    label = "media"
    verbose_name = _("Media")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from PIL import Image
        from pillow_heif import register_heif_opener

        # HEIC/HEIF (iPhones' default) decoded by libheif, through Pillow's own open().
        register_heif_opener()
        # Pillow only warns about an image past its pixel limit; nothing here may decode one.
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
