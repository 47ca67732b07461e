"""Finding the key a request presents."""

import hmac

from django.utils import timezone

from jaki.apikeys.models import ApiKey, parse_key, secret_hash


def api_key_active(*, raw: str) -> ApiKey | None:
    """The active key `raw` names, or None (unknown, garbled, wrong secret, revoked, expired).

    The row is found by its prefix; the secret's hash is compared in constant time, so the
    answer's timing tells nothing about how much of a guess was right."""
    parsed = parse_key(raw)
    if parsed is None:
        return None
    prefix, secret = parsed
    api_key = ApiKey.objects.filter(prefix=prefix).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, secret_hash(secret)):
        return None
    return api_key if api_key.is_active(timezone.now()) else None
