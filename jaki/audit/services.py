"""Writing to the audit log. Reading it is the auditors' admin screen."""

from typing import Any

from django.http import HttpRequest

from jaki.audit.models import AuditAction, AuditEntry

USER_AGENT_MAX = AuditEntry._meta.get_field("user_agent").max_length


def _client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is what the proxy in front of us handed on (deploy sets it from
    # X-Forwarded-For via uvicorn's --proxy-headers); a client-sent header is never trusted here.
    return request.META.get("REMOTE_ADDR") or None


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

    `details` must not hold phone numbers, tokens or codes: auditors read it.
    """
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=AuditAction(action),
        obj_kind=obj_kind,
        obj_id=str(obj_id),
        client_address=_client_address(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:USER_AGENT_MAX],
        details=details or {},
    )
