"""Accounts reads: who holds this token and is its session open (on every request), and which
government office answers for a place."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef

from jaki.accounts.models import Organisation, Session, User
from jaki.regions.selectors import locate

# The claim, set at login, that every token of a session carries (simplejwt copies it from the
# refresh token into its access tokens and keeps it across rotation).
SESSION_CLAIM = "sid"


def session_cache_key(sid: str) -> str:
    return f"accounts:session-revoked:{sid}"


def session_is_revoked(sid: str) -> bool:
    """Whether a session has ended, where the user query cannot say (simplejwt's own path in
    SessionJWTAuthentication): the cache answers, the database is the truth.

    A revocation writes "1" over whatever is cached; a reader only *adds* "0", so a reader that
    looked just before a revocation cannot overwrite it with a stale "open".
    """
    key = session_cache_key(sid)
    cached = cache.get(key)
    if cached is not None:
        return cached == "1"
    try:
        revoked = not Session.objects.filter(public_id=sid, revoked_at__isnull=True).exists()
    except ValidationError:  # not a UUID: no session of ours
        return True
    cache.add(key, "1" if revoked else "0", timeout=session_cache_seconds())
    return revoked


def session_cache_seconds() -> int:
    # Long enough to spare the database; a revoked answer outlives every access token of the
    # session, and refresh always re-reads the row.
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()) + 60


def user_signed_in(*, public_id: str, session: str | None = None) -> User:
    """The user an access token names, loaded once per request with what answering about them
    needs: their organisation, `has_roles` (a resident, who holds none, is spared the roles
    query) and `session_open`, whether the token's session (its `sid`) is still open. Raises
    User.DoesNotExist, or ValidationError for a sid that is no UUID."""
    holds_a_role = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    queryset = User.objects.select_related("organisation").annotate(has_roles=Exists(holds_a_role))
    if session is not None:
        open_session = Session.objects.filter(
            user_id=OuterRef("pk"), public_id=session, revoked_at__isnull=True
        )
        queryset = queryset.annotate(session_open=Exists(open_session))
    return queryset.get(public_id=public_id)


OFFICE_CACHE_SECONDS = 300


def office_cache_key(code: str) -> str:
    return f"accounts:office:{code}"


def office_for_region(*, code: str) -> Organisation | None:
    """The government office of a region (kelurahan, kecamatan or kota), or None.

    Its parent office and that one's parent come in the same query, so a service routes to
    `office` and escalates to `office.parent` (the kecamatan) and `office.parent.parent` (the
    kota) without another read. Offices are made from the regions (services.offices_sync),
    which forgets the cached answers; every submitted complaint asks, so the answer is cached
    (OFFICE_CACHE_SECONDS): treat the instance as read-only.
    """
    key = office_cache_key(code)
    cached = cache.get(key)
    if cached is not None:
        return cached or None  # "" caches "no office"
    office = (
        Organisation.objects.select_related("region", "parent__region", "parent__parent__region")
        .filter(region__code=code, kind=F("region__level"))
        .order_by("code")
        .first()
    )
    cache.set(key, office if office is not None else "", OFFICE_CACHE_SECONDS)
    return office


def office_for_point(*, lat: float, lon: float) -> Organisation | None:
    """The kelurahan office of a WGS84 point, its parent chain joined; None outside Jakarta."""
    found = locate(lat, lon)
    if found is None:
        return None
    return office_for_region(code=found.kelurahan.code)
