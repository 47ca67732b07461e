from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """One caller's request to one view under one Idempotency-Key: pending (no status) while its
    request runs, held by a short lease, then the response that retries replay until it expires.

    The caller is a user, or a machine named by `client` (an API key: "apikey:17"; this app
    sits below the one that owns keys, so it names them, it does not point at them).
    The unique constraints are what make two concurrent first requests safe: one inserts, the
    other finds the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    client = models.CharField(_("machine client"), max_length=64, blank=True, default="")
    scope = models.CharField(_("scope"), max_length=200)  # the view
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    # Which request holds the pending record: only that one may complete it.
    holder = models.UUIDField(_("holder"))
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response = models.JSONField(
        _("response body"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    lease_until = models.DateTimeField(_("pending until"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="idempotency_once_per_user_scope_key"
            ),
            models.UniqueConstraint(
                fields=["client", "scope", "key"],
                condition=~Q(client=""),
                name="idempotency_once_per_client_scope_key",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(client=""))
                | (Q(user__isnull=True) & ~Q(client="")),
                name="idempotency_user_or_client",
            ),
            models.CheckConstraint(
                condition=Q(status_code__isnull=True) | Q(status_code__lt=500),
                name="idempotency_keeps_no_server_error",
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_idx")]

    def __str__(self) -> str:
        return f"{self.user_id or self.client} {self.scope}: {self.status_code or 'pending'}"
