from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdempotencyConfig(AppConfig):
    name = "jaki.idempotency"
    label = "idempotency"
    verbose_name = _("Idempotency")

    def ready(self) -> None:
        from jaki import lifecycle
        from jaki.idempotency.services import idempotency_forget_user

        lifecycle.user_erased.register(idempotency_forget_user)
