"""Issuing, revoking and using API keys. Creations, changes and revocations are audited."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from jaki.api import DomainError
from jaki.apikeys import scopes as declared_scopes
from jaki.apikeys.models import KEY_PREFIX, ApiKey, secret_hash
from jaki.audit.services import audit_record

# last_used_at is written at most this often per key: a station posting every second must not
# turn every reading into a write of its key's row as well.
LAST_USED_RESOLUTION = timedelta(minutes=1)

ACTION_CREATED = "apikey.created"
ACTION_CHANGED = "apikey.changed"
ACTION_REVOKED = "apikey.revoked"


class UnknownScope(DomainError):
    default_code = "unknown_scope"


@dataclass(frozen=True)
class IssuedKey:
    """A new key and its plaintext, which exists only here: show it once, then drop it."""

    api_key: ApiKey
    plaintext: str


def _check_scopes(scopes: list[str]) -> list[str]:
    unknown = [scope for scope in scopes if not declared_scopes.is_declared(scope)]
    if unknown:
        raise UnknownScope(
            _("Unknown scope: %(scopes)s. Declared scopes: %(declared)s.")
            % {
                "scopes": ", ".join(unknown),
                "declared": ", ".join(declared_scopes.declared()) or "—",
            }
        )
    return sorted(set(scopes))


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scopes: list[str],
    created_by: Any | None = None,
    expires_at: datetime | None = None,
    resources: list[str] | None = None,
    organisation: Any | None = None,
    rate: str = "",
    request: HttpRequest | None = None,
) -> IssuedKey:
    """A new key with declared `scopes`; the plaintext is returned once and stored nowhere."""
    scopes = _check_scopes(scopes)
    secret = secrets.token_urlsafe(32)
    for _attempt in range(5):  # 48-bit prefixes: a collision is rare, a retry settles it
        prefix = secrets.token_hex(6)
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    name=name,
                    prefix=prefix,
                    secret_hash=secret_hash(secret),
                    scopes=scopes,
                    resources=list(resources or []),
                    organisation=organisation,
                    rate=rate,
                    created_by=created_by if created_by is not None and created_by.pk else None,
                    expires_at=expires_at,
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise RuntimeError("could not draw a free API key prefix")
    audit_record(
        actor=created_by,
        action=ACTION_CREATED,
        obj_kind="apikeys.apikey",
        obj_id=api_key.pk,
        request=request,
        details={"name": name, "prefix": prefix, "scopes": scopes, "resources": api_key.resources},
    )
    return IssuedKey(api_key=api_key, plaintext=f"{KEY_PREFIX}{prefix}_{secret}")


@transaction.atomic
def api_key_update(
    *, api_key: ApiKey, actor: Any | None, changed: list[str], request: HttpRequest | None = None
) -> ApiKey:
    """Save staff's edits of an existing key (scopes, resources, expiry, rate, name), audited."""
    api_key.scopes = _check_scopes(list(api_key.scopes))
    api_key.save()
    if changed:
        audit_record(
            actor=actor,
            action=ACTION_CHANGED,
            obj_kind="apikeys.apikey",
            obj_id=api_key.pk,
            request=request,
            details={
                "changed": sorted(changed),
                "scopes": api_key.scopes,
                "resources": api_key.resources,
                "expires_at": api_key.expires_at.isoformat() if api_key.expires_at else None,
            },
        )
    return api_key


@transaction.atomic
def api_key_revoke(
    *, api_key: ApiKey, actor: Any | None, request: HttpRequest | None = None
) -> bool:
    """Stop the key working at once; False when it was already revoked (nothing recorded)."""
    now = timezone.now()
    if not ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now):
        return False
    api_key.revoked_at = now
    audit_record(
        actor=actor,
        action=ACTION_REVOKED,
        obj_kind="apikeys.apikey",
        obj_id=api_key.pk,
        request=request,
        details={"name": api_key.name, "prefix": api_key.prefix},
    )
    return True


def api_key_mark_used(*, api_key: ApiKey) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION: one conditional UPDATE, and none at
    all while the row read for this request is recent enough."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
