"""Fetching a feed (a CAP URL, BMKG's JSON) with a timeout and a size cap.

A feed that hangs or streams without end must not stall the `ingest` worker or fill its
memory: the body is read in pieces and refused past the cap, whatever Content-Length says.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jaki.api import DomainError


class FetchFailed(DomainError):
    """The feed could not be read: unreachable, an HTTP error, too slow or too large."""

    status_code = 502
    default_code = "feed_unavailable"
    default_detail = gettext_lazy("The feed could not be read.")


def fetch(url: str, *, max_bytes: int | None = None) -> bytes:
    """The body of an http(s) URL, at most `max_bytes` (ALERTS_FETCH_MAX_BYTES)."""
    max_bytes = max_bytes or settings.ALERTS_FETCH_MAX_BYTES
    if not url.startswith(("http://", "https://")):
        raise FetchFailed(_("Only http and https URLs can be fetched."))
    try:
        with requests.get(
            url,
            stream=True,
            timeout=settings.ALERTS_FETCH_TIMEOUT_SECONDS,
            headers={"User-Agent": "JAKI-alerts/1.0", "Accept": "application/xml, */*"},
        ) as response:
            if response.status_code != 200:
                raise FetchFailed(
                    _("The feed answered HTTP %(status)d.") % {"status": response.status_code}
                )
            body = bytearray()
            for piece in response.iter_content(64 * 1024):
                body += piece
                if len(body) > max_bytes:
                    raise FetchFailed(
                        _("The feed is larger than %(limit)d bytes.") % {"limit": max_bytes}
                    )
            return bytes(body)
    except requests.RequestException as exc:
        raise FetchFailed(
            _("The feed could not be reached (%(error)s).") % {"error": exc.__class__.__name__}
        ) from None


def read_source(source: str, *, max_bytes: int | None = None) -> bytes:
    """A URL fetched, or a local file read (the import commands take either), size-capped."""
    max_bytes = max_bytes or settings.ALERTS_FETCH_MAX_BYTES
    if source.startswith(("http://", "https://")):
        return fetch(source, max_bytes=max_bytes)
    try:
        with open(source, "rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise FetchFailed(
            _("The file could not be read (%(error)s).") % {"error": exc.strerror}
        ) from None
    if len(data) > max_bytes:
        raise FetchFailed(_("The file is larger than %(limit)d bytes.") % {"limit": max_bytes})
    return data
