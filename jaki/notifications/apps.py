from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "jaki.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from jaki import lifecycle
        from jaki.notifications import (
            checks,  # noqa: F401  (registers the system checks)
            services,
        )

        lifecycle.sessions_ended.register(services.feed_revoke)
        lifecycle.user_logged_out.register(services.devices_log_out)
        lifecycle.user_erased.register(services.notifications_forget_user)
