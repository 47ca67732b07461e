from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jaki.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from jaki import lifecycle
        from jaki.accounts import checks  # noqa: F401  (registers the system checks)
        from jaki.accounts.services import offices_sync

        # Regions sit below accounts and cannot name it: the offices follow them through the hook.
        lifecycle.regions_changed.register(offices_sync)

        # As Django does for permissions: the role groups come back after every migrate and
        # every flush (a transactional test empties the tables the data migration filled).
        post_migrate.connect(_ensure_roles, sender=self)


def _ensure_roles(**kwargs) -> None:
    from jaki.accounts.services import roles_ensure

    roles_ensure(using=kwargs.get("using", "default"))
