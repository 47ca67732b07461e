from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DisasterAlertsConfig(AppConfig):
    name = "disasteralerts"
    verbose_name = _("Disaster warnings")

    def ready(self):
        from jaki.apikeys import scopes

        # A gauge's key: its resources are the codes of the gates it may post for.
        scopes.register("disasteralerts:gauge", _("Post water-gate readings (gauges)"))
        # The seeded water gates come back after every migrate and every flush (a
        # transactional test empties the tables), as complaints does for its categories.
        post_migrate.connect(_ensure_gates, sender=self)


def _ensure_gates(**kwargs) -> None:
    from disasteralerts.watergate_seeds import gates_ensure

    gates_ensure(using=kwargs.get("using", "default"))
