from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisasterAlertsConfig(AppConfig):
    name = "disasteralerts"
    verbose_name = _("Disaster warnings")
