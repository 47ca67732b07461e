"""The branded admin site: the city staff's daily tool."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class JakiAdminSite(admin.AdminSite):
    site_header = _("JAKI — Jakarta City Administration")
    site_title = _("JAKI admin")
    index_title = _("City services")


class JakiAdminConfig(AdminConfig):
    default_site = "jaki.admin_site.JakiAdminSite"
