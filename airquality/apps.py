from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AirQualityConfig(AppConfig):
    name = "airquality"
    verbose_name = _("Air quality")

    def ready(self) -> None:
        from airquality import checks, services  # noqa: F401  (checks register themselves)
        from airquality.permissions import INGEST_SCOPE
        from jaki import lifecycle
        from jaki.apikeys import scopes

        scopes.register(INGEST_SCOPE, _("Send air-quality readings"))
        lifecycle.user_erased.register(services.subscriptions_forget_user)
        lifecycle.regions_changed.register(services.stations_locate)
        # As complaints does for its categories: the seeded stations come back after every
        # migrate and every flush (a transactional test empties the tables).
        post_migrate.connect(_ensure_stations, sender=self)


def _ensure_stations(**kwargs) -> None:
    from airquality.services import stations_ensure

    stations_ensure(using=kwargs.get("using", "default"))
