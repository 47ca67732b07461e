from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "jaki.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from jaki.regions import signals  # noqa: F401  (keeps the locate index fresh)
