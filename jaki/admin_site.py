"""The branded admin site: the city staff's daily tool."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class JakiAdminSite(admin.AdminSite):
    site_header = _("JAKI — Jakarta City Administration")
    site_title = _("JAKI admin")
    index_title = _("City services")

    def get_app_list(self, request, app_label=None):
        """Django's app list, plus the pages a ModelAdmin offers beside its model (a service's
        dashboard) through `app_list_links(request)`: the site names no service."""
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for entry in list(app["models"]):
                model_admin = self._registry.get(entry["model"])
                links = getattr(model_admin, "app_list_links", None)
                if links is not None:
                    app["models"].extend(links(request))
        return app_list


class JakiAdminConfig(AdminConfig):
    default_site = "jaki.admin_site.JakiAdminSite"
