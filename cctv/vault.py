"""The cameras' secrets at rest: origin and snapshot URLs, encrypted with Fernet (AES-128-CBC +
HMAC-SHA256, from `cryptography`) under rotatable keys.

CCTV_SECRET_KEYS lists Fernet keys; MultiFernet encrypts with the first and decrypts with any,
so a new key goes first and `manage.py cctv_rotate_keys` re-encrypts every row under it. Without
keys (development only; production fails system check cctv.E001) one key is derived from
SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "secret_decrypt", "secret_encrypt", "secret_rotate"]


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(f"jaki.cctv.vault:{secret_key}".encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.CCTV_SECRET_KEYS), settings.SECRET_KEY)


def secret_encrypt(value: str) -> str:
    """A Fernet token for `value` ('' stays ''), under the first key."""
    return _current().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str) -> str:
    """The value of a token written by secret_encrypt; raises InvalidToken under unknown keys."""
    return _current().decrypt(token.encode()).decode() if token else ""


def secret_rotate(token: str) -> str:
    """The same value under the first key (a token already under it is re-encrypted anyway)."""
    return _current().rotate(token.encode()).decode() if token else ""
