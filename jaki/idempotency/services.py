"""Claim, complete, release and purge idempotency records (see `jaki.api.idempotent`)."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jaki.idempotency.models import IdempotencyRecord
from jaki.retention import delete_in_batches


class KeyReused(Exception):
    """The key is held or answered for a request with another body."""


class KeyInFlight(Exception):
    """The key's first request is still running (its lease has not run out)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """This request holds the key: it runs, then completes or releases the record."""

    record_id: int
    holder: uuid.UUID


@dataclass(frozen=True, slots=True)
class Replay:
    """The key's first request was answered: this is its response."""

    status: int
    data: Any


def idempotency_claim(
    *, user_id: int | None = None, client: str = "", scope: str, key: str, fingerprint: str
) -> Claim | Replay:
    """Take the key for this request, or say why not. The caller is a user (`user_id`) or a
    machine client (`client`, e.g. "apikey:17"): each has its own keys.

    A new key is inserted as pending with a lease of IDEMPOTENCY_PENDING_SECONDS; of two
    concurrent first requests the database lets one insert. A record whose lease ran out while
    pending (its request was killed) or that expired is taken over. Otherwise: another body is
    KeyReused, a pending one KeyInFlight, and an answered one is replayed.
    """
    now = timezone.now()
    holder = uuid.uuid4()
    fields = {
        "fingerprint": fingerprint,
        "holder": holder,
        "status_code": None,
        "response": None,
        "created_at": now,
        "lease_until": now + timedelta(seconds=settings.IDEMPOTENCY_PENDING_SECONDS),
        "expires_at": now + timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS),
    }
    if (user_id is None) == (not client):
        raise ValueError("an idempotency record belongs to a user or to a machine client")
    owner = {"user_id": user_id, "client": "" if user_id is not None else client}
    same_key = IdempotencyRecord.objects.filter(**owner, scope=scope, key=key)
    # The unique constraint settles a race of first requests: the loser finds the winner's row.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        record = IdempotencyRecord.objects.create(**owner, scope=scope, key=key, **fields)
        return Claim(record.pk, holder)

    abandoned = Q(expires_at__lte=now) | Q(status_code__isnull=True, lease_until__lte=now)
    if same_key.filter(abandoned).update(**fields):
        return Claim(same_key.values_list("pk", flat=True).get(), holder)
    record = same_key.first()
    if record is None:  # purged between the two statements: the client's retry starts afresh
        raise KeyInFlight()
    if record.fingerprint != fingerprint:
        raise KeyReused()
    if record.status_code is None:
        raise KeyInFlight()
    return Replay(record.status_code, record.response)


def idempotency_complete(*, claim: Claim, status: int, data: Any) -> bool:
    """Keep the response for replays. False when the lease was lost (the request outlived it
    and a retry took the key over): the caller must then undo its work."""
    return bool(
        IdempotencyRecord.objects.filter(
            pk=claim.record_id, holder=claim.holder, status_code__isnull=True
        ).update(status_code=status, response=data)
    )


def idempotency_release(*, claim: Claim) -> None:
    """Nothing was kept (an error, a 5xx): a retry may run the request again at once."""
    IdempotencyRecord.objects.filter(
        pk=claim.record_id, holder=claim.holder, status_code__isnull=True
    ).delete()


def idempotency_purge_expired() -> int:
    """Delete records past their expiry (beat, in batches); an expired one is never replayed."""
    return delete_in_batches(IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()))


def idempotency_forget_user(*, user, **_) -> int:
    """Erasure (`user_erased`): a kept response may hold the user's data (a device token, a
    profile)."""
    deleted, _ = IdempotencyRecord.objects.filter(user=user).delete()
    return deleted
