"""Writing to the audit log. Reading it is the auditors' admin screen."""

import re
from typing import Any

from django.http import HttpRequest

from jaki.api import client_address
from jaki.audit.models import ACTION_PATTERN, AuditAction, AuditEntry

USER_AGENT_MAX = AuditEntry._meta.get_field("user_agent").max_length


def audit_record(
    *,
    actor: Any | None,
    action: AuditAction | str,
    obj_kind: str,
    obj_id: str | int,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row; it joins the caller's transaction, so a rolled-back act leaves none.

    `action` is one of AuditAction or an app's own dotted name (ACTION_PATTERN); anything else
    is a programming error and raises ValueError. `details` must not hold phone numbers, tokens
    or codes: auditors read it.
    """
    if not re.fullmatch(ACTION_PATTERN, str(action)):
        raise ValueError(f"not an audit action name: {action!r}")
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=str(action),
        obj_kind=obj_kind,
        obj_id=str(obj_id),
        client_address=(client_address(request) or None) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:USER_AGENT_MAX],
        details=details or {},
    )
