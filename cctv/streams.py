"""Stream URLs: short-lived tokens in the URL's path, signed with rotatable keys.

HLS players repeat no query string on segment requests and iOS sends no custom header
(DOMAIN.md 4), so the token is a path element and every segment URL, relative to the playlist,
carries it. Two ways for the edge to check it:

- `hmac` (default): `{base}/{token}/{camera}/index.m3u8`, token `{kid}.{expires}.{session}.{sig}`
  with sig = base64url(HMAC-SHA256(key[kid], "v1|kid|expires|session|user|camera")). The key id
  names the key, so keys rotate: CCTV_STREAM_KEYS lists `kid:secret` pairs, the first signs, all
  verify. The user is inside the signature but not in the URL (the session names them for us).
  The edge (MediaMTX, `authMethod: http`) asks `POST /cctv/media-auth/` on each read.
- `nginx`: nginx's own secure_link, `{base}/{md5}/{expires}/{camera}/index.m3u8` with
  md5 = base64url(MD5("{expires}/{camera} {secret}")) without padding (deploy/README.md): nginx
  checks it alone (403 forged, 410 expired), without a user or a key id: its limits are nginx's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings

TOKEN_PATTERN = re.compile(
    r"^(?P<kid>[A-Za-z0-9_-]{1,16})\.(?P<expires>\d{1,12})\.(?P<session>[0-9a-f]{32})"
    r"\.(?P<sig>[A-Za-z0-9_-]{43})$"
)


class TokenInvalid(Exception):
    """Malformed, signed with no key we hold, or its signature does not match."""


@dataclass(frozen=True)
class ParsedToken:
    kid: str
    expires: int
    session: str
    sig: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@cache
def _parse_keys(pairs: tuple[str, ...], secret_key: str) -> tuple[str, dict[str, bytes]]:
    if not pairs:
        derived = hashlib.sha256(f"jaki.cctv.streams:{secret_key}".encode()).hexdigest()
        pairs = (f"dev:{derived}",)
    keys: dict[str, bytes] = {}
    for pair in pairs:
        kid, _, secret = pair.partition(":")
        keys[kid.strip()] = secret.strip().encode()
    return pairs[0].partition(":")[0].strip(), keys


def signing_keys() -> tuple[str, dict[str, bytes]]:
    """(the key id that signs, every key id -> secret)."""
    return _parse_keys(tuple(settings.CCTV_STREAM_KEYS), settings.SECRET_KEY)


def _signature(key: bytes, kid: str, expires: int, session: str, user: str, camera: str) -> str:
    message = f"v1|{kid}|{expires}|{session}|{user}|{camera}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def token_sign(*, session: str, user: str, camera: str, expires: int) -> str:
    kid, keys = signing_keys()
    return f"{kid}.{expires}.{session}.{_signature(keys[kid], kid, expires, session, user, camera)}"


def token_parse(token: str) -> ParsedToken:
    """The token's parts, unverified; TokenInvalid when it is not one of ours at all."""
    match = TOKEN_PATTERN.match(token or "")
    if match is None or match["kid"] not in signing_keys()[1]:
        raise TokenInvalid()
    return ParsedToken(match["kid"], int(match["expires"]), match["session"], match["sig"])


def token_verify(parsed: ParsedToken, *, user: str, camera: str) -> None:
    """Raise TokenInvalid unless the signature covers this user and camera (constant time)."""
    key = signing_keys()[1][parsed.kid]
    expected = _signature(key, parsed.kid, parsed.expires, parsed.session, user, camera)
    if not hmac.compare_digest(expected, parsed.sig):
        raise TokenInvalid()


def nginx_secure_link(*, camera: str, expires: int) -> str:
    """nginx's `secure_link_md5 "$secure_link_expires/$camera $secret"` value."""
    secret = settings.CCTV_NGINX_SECURE_LINK_SECRET
    digest = hashlib.md5(f"{expires}/{camera} {secret}".encode(), usedforsecurity=False).digest()
    return _b64(digest)


def stream_url(*, camera: str, session: str, user: str, expires: int) -> str:
    """The URL a player opens, in the configured mode."""
    base = settings.CCTV_STREAM_BASE_URL.rstrip("/")
    if settings.CCTV_STREAM_SIGNING == "nginx":
        link = nginx_secure_link(camera=camera, expires=expires)
        return f"{base}/{link}/{expires}/{camera}/index.m3u8"
    token = token_sign(session=session, user=user, camera=camera, expires=expires)
    return f"{base}/{token}/{camera}/index.m3u8"
