"""Errors the notification services raise."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jaki.api import DomainError


class InvalidNotification(DomainError):
    default_code = "invalid_notification"
    default_detail = _("The notification is not valid.")
