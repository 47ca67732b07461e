"""API keys for machines: Open311 clients, air-quality stations, CAP sources.

A key reads `jaki_<prefix>_<secret>`. The prefix is stored as it is (to find the row, and for
staff to tell keys apart); of the secret only its SHA-256 is kept, so the database never holds
a usable key and the admin can show it only once, at creation.
"""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "jaki_"

RATE_PATTERN = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def validate_rate(value: str) -> None:
    if value and not RATE_PATTERN.fullmatch(value):
        raise ValidationError(_("Write a rate as a number per unit, such as 600/min or 10/s."))


def secret_hash(secret: str) -> str:
    """SHA-256 of the secret part of a key.

    A slow password hash (PBKDF2, Argon2) defends guessable secrets against offline guessing;
    these secrets are 256 random bits from `secrets`, which no amount of guessing reaches, so a
    fast hash loses nothing and keeps every machine request cheap.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(raw: str) -> tuple[str, str] | None:
    """`jaki_<prefix>_<secret>` -> (prefix, secret); None for anything else."""
    if not raw.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = raw[len(KEY_PREFIX) :].partition("_")
    if not sep or not prefix or not secret or len(prefix) > 16 or len(secret) > 128:
        return None
    return prefix, secret


class ApiKey(models.Model):
    """One machine client's key, with the scopes it may use and, optionally, the resources
    (station codes, feed names) it is limited to. Revoked or expired keys stay, for the record."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    resources = models.JSONField(
        _("allowed resources"),
        default=list,
        blank=True,
        help_text=_("Codes this key may act on (e.g. station codes); empty allows every one."),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_keys",
    )
    rate = models.CharField(
        _("rate limit"),
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text=_("Requests allowed, e.g. 600/min; empty uses the default (THROTTLE_API_KEY)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=~Q(prefix=""), name="apikey_prefix_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (jaki_{self.prefix}_…)"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def allows(self, resource: str) -> bool:
        """Whether this key may act on `resource` (a station code…): any, when none is listed."""
        return not self.resources or resource in self.resources

    @property
    def idempotency_client(self) -> str:
        """Whom `jaki.api.idempotent` keys this caller's records to: this key, not a user."""
        return f"apikey:{self.pk}"
