from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
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
        for model in (self.get_model("Category"), self.get_model("Question")):
            post_save.connect(_forget_categories, sender=model)
            post_delete.connect(_forget_categories, sender=model)


def _ensure_categories(**kwargs) -> None:
    from complaints.categories import categories_ensure

    categories_ensure(using=kwargs.get("using", "default"))


def _forget_categories(**kwargs) -> None:
    from complaints.selectors import categories_changed

    categories_changed()
