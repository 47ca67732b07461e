"""The audit log: one append-only table for what staff must answer for.

It refers to people only through settings.AUTH_USER_MODEL, so every platform layer (accounts
included) can write to it without the audit app importing any of them.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# An action is a dotted "app.verb" name (`staff.roles_changed`, `apikey.revoked`): services
# record their own without the platform listing them, and the pattern keeps the log searchable.
ACTION_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
validate_action = RegexValidator(
    ACTION_PATTERN, _("An audit action is a dotted lower-case name such as 'complaint.moved'.")
)


class AuditAction(models.TextChoices):
    """The actions the platform itself records, with their labels. Any other action that
    matches ACTION_PATTERN is valid too: a service names its own (`cctv.camera_viewed`)."""

    STAFF_ROLES_CHANGED = "staff.roles_changed", _("Staff roles or flags changed")
    COMPLAINT_MOVED = "complaint.moved", _("Complaint moved")
    ALERT_APPROVED = "alert.approved", _("Alert approved")
    CAMERA_VIEWED = "camera.viewed", _("Restricted camera viewed")


class AuditEntry(models.Model):
    """One accountable act: who did what to which object, when, and from where.

    Rows are never changed or deleted: the admin offers neither, and on PostgreSQL a trigger
    refuses UPDATE and DELETE (migration 0002). `actor` survives erasure of the person (the row
    points at the anonymised user); a user who has audit rows cannot be hard-deleted (PROTECT).
    """

    Action = AuditAction

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, validators=[validate_action])
    obj_kind = models.CharField(_("object kind"), max_length=64)
    obj_id = models.CharField(_("object id"), max_length=64)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("obj_kind", "obj_id", "created_at"), name="audit_object_idx"),
            models.Index(fields=("action", "created_at"), name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action_label} {self.obj_kind}:{self.obj_id}"

    @property
    def action_label(self) -> str:
        """The platform's label for its own actions; a service's action shows as its name."""
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action


# The short name the platform's callers use: `AuditEvent.STAFF_ROLES_CHANGED`.
AuditEvent = AuditAction
