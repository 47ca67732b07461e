from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import services
        from jaki import lifecycle
        from jaki.apikeys import scopes

        scopes.register("open311:submit", _("Submit service requests through Open311"))
        lifecycle.user_erased.register(services.complaints_forget_reporter)
        # As accounts does for its roles: the seeded categories come back after every migrate
        # and every flush (a transactional test empties the tables).
        post_migrate.connect(_ensure_categories, sender=self)


def _ensure_categories(**kwargs) -> None:
    from complaints.categories import categories_ensure

    categories_ensure(using=kwargs.get("using", "default"))
