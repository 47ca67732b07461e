"""Accounts: OTP login, tokens, profile and erasure. Every write of the app lives here."""

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from jaki import lifecycle
from jaki.accounts.clients import AppCheckInvalid, app_check_verify
from jaki.accounts.models import Organisation, OTPCode, Role, Session, User
from jaki.accounts.selectors import (
    SESSION_CLAIM,
    office_cache_key,
    session_cache_key,
    session_cache_seconds,
)
from jaki.accounts.sms import get_sms_backend
from jaki.api import DomainError
from jaki.audit.models import AuditEvent
from jaki.audit.services import audit_record
from jaki.regions.models import Region
from jaki.retention import delete_in_batches

JTI_CLAIM = "jti"

logger = logging.getLogger(__name__)


class TooManyCodes(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_codes"
    default_detail = _("Too many codes were requested for this number. Try again later.")

    def __init__(self, wait_seconds: int):
        super().__init__(
            _("Too many codes were requested for this number. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, -(-wait_seconds // 60))}
        )
        self.wait = wait_seconds


class InvalidCode(DomainError):
    default_code = "invalid_code"
    default_detail = _("The code is not correct. Check the SMS and try again.")


class CodeExpired(DomainError):
    default_code = "code_expired"
    default_detail = _("The code has expired. Ask for a new one.")


class TooManyAttempts(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_attempts"
    default_detail = _("Too many wrong codes. Ask for a new code.")


class TooManyGuesses(TooManyAttempts):
    """This client address made OTP_MAX_ATTEMPTS wrong tries for the phone in this window."""

    def __init__(self, wait_seconds: int):
        super().__init__(
            _("Too many wrong codes were tried from here. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, -(-wait_seconds // 60))}
        )
        self.wait = wait_seconds


class AppCheckRequired(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "app_check_required"
    default_detail = _("Codes can be requested only from the JAKI app. Update the app and retry.")


class AppCheckFailed(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "app_check_failed"
    default_detail = _("The JAKI app could not be verified. Update the app and retry.")


class SMSUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "sms_unavailable"
    default_detail = _("The SMS could not be sent. Try again in a moment.")


class AccountDisabled(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "account_disabled"
    default_detail = _("This account has been disabled. Contact JAKI support.")


class InvalidRefreshToken(DomainError):
    default_code = "token_not_valid"
    default_detail = _("The refresh token is not valid or has expired.")


def _code_hash(phone: str, code: str) -> str:
    # A 6-digit space is too small for a slow hash to matter; a keyed HMAC keeps a leaked
    # table useless without the server's secret.
    return salted_hmac("jaki.accounts.otp", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _client_hash(client: str) -> str:
    # Limits need to tell addresses apart, not to know them: only a keyed hash is stored.
    return salted_hmac("jaki.accounts.otp.client", client, algorithm="sha256").hexdigest()


def _check_app(token: str | None) -> None:
    """Firebase App Check, the usual defence of a Firebase app against SMS pumping: a token is
    verified whenever App Check is configured; no token is refused when APP_CHECK_REQUIRED."""
    if not token:
        if settings.APP_CHECK_REQUIRED:
            raise AppCheckRequired()
        return
    if not settings.FIREBASE_CREDENTIALS:
        return  # development: nothing to verify with (a system check guards APP_CHECK_REQUIRED)
    try:
        app_check_verify(token)
    except AppCheckInvalid as exc:
        raise AppCheckFailed() from exc


def _lock_phone(phone: str) -> None:
    """Serialise code requests for one phone until the transaction ends, so that counting the
    recent codes and adding one cannot interleave (ten parallel requests give exactly the cap).

    PostgreSQL: a transaction-level advisory lock keyed by the phone (no row needs to exist).
    Elsewhere (SQLite, development): an empty UPDATE takes SQLite's database-wide write lock.
    """
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"jaki.accounts.otp:{phone}".encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )
    else:
        OTPCode.objects.filter(pk__lt=0).update(attempts=0)


def _otp_send(otp_id: int, phone: str, message: str) -> None:
    """After commit: text the code. Only once the backend took it does it replace older codes,
    so a request whose SMS fails leaves the code the owner already has working."""
    try:
        get_sms_backend().send(phone=phone, message=message)
    except Exception as exc:
        logger.exception("The SMS backend failed to send login code %s", otp_id)
        raise SMSUnavailable() from exc
    OTPCode.objects.filter(pk=otp_id).update(sent_at=timezone.now())


def otp_request(
    *, phone: str, client: str, language: str = "id", app_check_token: str | None = None
) -> OTPCode:
    """Issue a 6-digit code for `phone` (E.164, a code recipient) and text it after commit.

    Per OTP_PHONE_WINDOW_SECONDS, a phone gets at most OTP_MAX_CODES_PER_CLIENT codes asked for
    from one client address and OTP_MAX_CODES_PER_PHONE from all together: someone hammering a
    number from one address cannot use up the codes its owner asks for from another.
    """
    _check_app(app_check_token)
    now = timezone.now()
    window = timedelta(seconds=settings.OTP_PHONE_WINDOW_SECONDS)
    client_key = _client_hash(client)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        _lock_phone(phone)
        recent = list(
            OTPCode.objects.filter(phone=phone, created_at__gt=now - window)
            .order_by("created_at")
            .values_list("created_at", "client")
        )
        limits = [
            ([at for at, key in recent if key == client_key], settings.OTP_MAX_CODES_PER_CLIENT),
            ([at for at, _key in recent], settings.OTP_MAX_CODES_PER_PHONE),
        ]
        for issued, cap in limits:
            if len(issued) >= cap:  # one slot frees when the cap-th newest leaves the window
                wait = issued[-cap] + window - now
                raise TooManyCodes(wait_seconds=int(wait.total_seconds()) + 1)
        otp = OTPCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            client=client_key,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        with override(language):
            message = _(
                "Your JAKI code is %(code)s. It is valid for %(minutes)d minutes. "
                "Never share it with anyone."
            ) % {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60}
        transaction.on_commit(partial(_otp_send, otp.pk, phone, message))
    return otp


def _wrong_guesses_key(phone: str, client: str, now: float) -> tuple[str, int]:
    """The cache counter of one client's wrong codes for one phone in this fixed window, and
    the seconds until the window ends."""
    window = settings.OTP_PHONE_WINDOW_SECONDS
    bucket = int(now // window)
    who = salted_hmac("jaki.accounts.otp.guesses", f"{phone}:{client}", algorithm="sha256")
    return f"otp-guesses:{who.hexdigest()}:{bucket}", int((bucket + 1) * window - now) + 1


def otp_verify(*, phone: str, code: str, client: str, language: str = "id") -> User:
    """Check `code` against the newest code sent to `phone` and the newest one this client asked
    for; return the user, created on first login.

    Each wrong try counts on the code (OTP_MAX_ATTEMPTS burn it), committed even though the call
    then fails, and on the client address: after OTP_MAX_ATTEMPTS wrong tries for the phone in a
    window it may not try again, while the owner elsewhere asks for a fresh code and logs in.
    """
    now = timezone.now()
    guesses_key, wait = _wrong_guesses_key(phone, client, now.timestamp())
    if cache.get(guesses_key, 0) >= settings.OTP_MAX_ATTEMPTS:
        raise TooManyGuesses(wait_seconds=wait)
    with transaction.atomic():
        sent = OTPCode.objects.select_for_update().filter(phone=phone, sent_at__isnull=False)
        newest = sent.order_by("-created_at").first()
        own = sent.filter(client=_client_hash(client)).order_by("-created_at").first()
        candidates = [otp for otp in (newest, own) if otp is not None]
        live = [
            otp
            for otp in {otp.pk: otp for otp in candidates}.values()
            if otp.used_at is None
            and otp.expires_at > now
            and otp.attempts < settings.OTP_MAX_ATTEMPTS
        ]
        if not live:
            if newest is None or newest.used_at is not None:
                raise InvalidCode()
            if newest.expires_at <= now:
                raise CodeExpired()
            raise TooManyAttempts()
        for otp in live:
            otp.attempts += 1
            if constant_time_compare(otp.code_hash, _code_hash(phone, code)):
                otp.used_at = now
                otp.save(update_fields=["attempts", "used_at"])
                # Logged in: no other code still waiting for this phone may be used later.
                OTPCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
                user, _created = User.objects.get_or_create(
                    phone=phone, defaults={"language": language}
                )
                if not user.is_active:
                    raise AccountDisabled()
                return user
        for otp in live:
            otp.save(update_fields=["attempts"])
    cache.add(guesses_key, 0, timeout=wait)
    cache.incr(guesses_key)
    if all(otp.attempts >= settings.OTP_MAX_ATTEMPTS for otp in live):
        raise TooManyAttempts()
    raise InvalidCode()


def tokens_issue(*, user: User) -> dict[str, str]:
    """Log in: a new session, and its first refresh token and access token."""
    refresh = RefreshToken.for_user(user)
    Session.objects.create(
        user=user, public_id=_new_session_id(refresh), refresh_jti=refresh[JTI_CLAIM]
    )
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _new_session_id(refresh: RefreshToken) -> uuid.UUID:
    sid = uuid.uuid4()
    refresh[SESSION_CLAIM] = str(sid)
    return sid


def tokens_rotate(*, refresh: str) -> dict[str, str]:
    """Swap a refresh token for a new pair of the same session.

    Presenting a refresh token that was already rotated is reuse: one of two holders of that
    token is a thief, and we cannot tell which, so the whole session ends (the refresh token
    rotation rule of the OAuth 2.0 Security BCP, RFC 9700).
    Raises simplejwt's TokenError, which its view answers with 401 `token_not_valid`.
    """
    try:
        token = RefreshToken(refresh)  # signature, expiry, type, blacklist
    except TokenError:
        _end_session_of_reused_token(refresh)
        raise
    user = User.objects.filter(public_id=token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])).first()
    if user is None or not user.is_active:
        raise TokenError(_("No active account found for the given token."))

    with transaction.atomic():
        sid = token.get(SESSION_CLAIM)
        if sid is None:  # minted before sessions existed: it becomes one now
            session = Session(user=user, public_id=_new_session_id(token))
        else:
            session = Session.objects.select_for_update().filter(public_id=sid).first()
        # Two rotations of one token racing: the loser finds the winner's newer jti.
        reused = (
            session is not None
            and session.pk is not None
            and session.refresh_jti != token[JTI_CLAIM]
        )
        if session is not None and session.revoked_at is None and not reused:
            token.blacklist()
            token.set_jti()
            token.set_exp()
            token.set_iat()
            token.outstand()
            session.refresh_jti = token[JTI_CLAIM]
            session.save()
            return {"access": str(token.access_token), "refresh": str(token)}
    if reused:
        sessions_revoke(user=user, sessions=[str(sid)], reason="reuse")
    raise TokenError(_("This session has ended. Sign in again."))


def _end_session_of_reused_token(raw: str) -> None:
    """A genuine refresh token refused for being blacklisted (rotated away): end its session."""
    try:
        payload = UntypedToken(raw).payload  # signature and expiry, not the blacklist
    except TokenError:
        return
    sid = payload.get(SESSION_CLAIM)
    if payload.get("token_type") != "refresh" or sid is None:
        return
    if not BlacklistedToken.objects.filter(token__jti=payload.get(JTI_CLAIM)).exists():
        return
    user = User.objects.filter(sessions__public_id=sid).first()
    if user is not None:
        sessions_revoke(user=user, sessions=[sid], reason="reuse")


def sessions_revoke(*, user: User, sessions: list[str] | None = None, reason: str) -> None:
    """End these sessions of `user` (all of them when None): their refresh tokens stop rotating,
    their access tokens stop authenticating at once, and their open feeds close with 4401."""
    with transaction.atomic():
        rows = Session.objects.filter(user=user, revoked_at__isnull=True)
        if sessions is not None:
            rows = rows.filter(public_id__in=sessions)
        ended = [str(sid) for sid in rows.values_list("public_id", flat=True)]
        rows.update(revoked_at=timezone.now(), revoked_reason=reason)
        if sessions is None:
            outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
            BlacklistedToken.objects.bulk_create(
                [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
            )
        # Dropped now, so readers go to the database; marked once the revocation is committed.
        ended_keys = [session_cache_key(sid) for sid in {*ended, *(sessions or [])}]
        cache.delete_many(ended_keys)
        transaction.on_commit(
            partial(cache.set_many, dict.fromkeys(ended_keys, "1"), session_cache_seconds())
        )
        lifecycle.sessions_ended.run(user=user, sessions=sessions)


def tokens_revoke(
    *, user: User, refresh: str, device: str | None = None, everywhere: bool = False
) -> None:
    """Log out: the session of `refresh` ends (its tokens stop working, its open feeds close)
    and this phone's push token `device` gets no more pushes (the `user_logged_out` handlers);
    the user's other phones stay signed in. `everywhere` ends every session and stops every
    device of the user."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    if token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"]) != str(user.public_id):
        raise InvalidRefreshToken()
    with transaction.atomic():
        token.blacklist()
        sid = token.get(SESSION_CLAIM)
        if everywhere:
            sessions_revoke(user=user, reason="logout everywhere")
        elif sid is not None:
            sessions_revoke(user=user, sessions=[str(sid)], reason="logout")
        lifecycle.user_logged_out.run(user=user, device=device or None, everywhere=everywhere)


def account_update(*, user: User, name: str | None = None, language: str | None = None) -> User:
    fields = []
    if name is not None:
        user.name = name.strip()
        fields.append("name")
    if language is not None:
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Erase a resident's personal data on request (UU PDP): phone, name, codes, sessions, and
    whatever every app registered on `lifecycle.user_erased` holds (devices, inbox, services'
    records), all in this one transaction: one handler failing leaves nothing erased.

    The handlers run before the row is anonymised (they may need the phone). The row stays,
    anonymised and inactive, so records that point at it (complaints) survive without saying
    who made them.
    """
    sessions_revoke(user=user, reason="account erased")
    if user.phone:
        OTPCode.objects.filter(phone=user.phone).delete()
    lifecycle.user_erased.run(user=user)
    user.phone = None
    user.name = ""
    user.is_active = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()


def accounts_purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Retention (beat): what accounts keeps only while it can matter, in batches.

    - login codes past both their expiry and the per-phone rate window (which counts them);
    - sessions that ended, or whose refresh token expired, a refresh lifetime ago: every token
      carrying their `sid` has expired by then, so nothing asks about them any more;
    - simplejwt's outstanding tokens past expiry, their blacklist rows with them (the filter of
      its `flushexpiredtokens`, batched);
    - django-axes' admin login records: attempts past the cool-off (its own clean-up) and
      access logs older than RETENTION_ADMIN_LOGIN_LOG_DAYS (its own reset; staff only, small).
    """
    from axes.handlers.database import AxesDatabaseHandler

    now = now or timezone.now()
    code_horizon = now - timedelta(
        seconds=max(settings.OTP_TTL_SECONDS, settings.OTP_PHONE_WINDOW_SECONDS)
    )
    session_horizon = now - settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    live_refresh = OutstandingToken.objects.filter(expires_at__gt=now).values("jti")
    ended = Session.objects.filter(revoked_at__lt=session_horizon)
    lapsed = Session.objects.filter(
        revoked_at__isnull=True, created_at__lt=session_horizon
    ).exclude(refresh_jti__in=live_refresh)
    axes = AxesDatabaseHandler()
    beat = HttpRequest()  # axes counts the cool-off back from a request's attempt time ...
    beat.axes_attempt_time = None  # ... or, with none, from now
    log_days = settings.RETENTION_ADMIN_LOGIN_LOG_DAYS
    return {
        "otp_codes": delete_in_batches(OTPCode.objects.filter(created_at__lt=code_horizon)),
        "sessions": delete_in_batches(ended) + delete_in_batches(lapsed),
        "jwt_tokens": delete_in_batches(OutstandingToken.objects.filter(expires_at__lte=now)),
        "admin_login_attempts": axes.clean_expired_user_attempts(beat),
        "admin_login_logs": axes.reset_logs(age_days=log_days)
        + axes.reset_failure_logs(age_days=log_days),
    }


# What each role may do in the admin, beyond its group membership (checked in services).
ROLE_PERMISSIONS = {Role.AUDITOR: [("audit", "view_auditentry")]}


def roles_ensure(*, using: str = "default") -> None:
    """Every staff role exists as a group of the same name, with its admin permissions
    (idempotent)."""
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        for app_label, codename in ROLE_PERMISSIONS.get(role, []):
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:  # made by the app's own post_migrate, which runs first
                group.permissions.add(permission)


# --- Government offices, one per region ------------------------------------------------------

OFFICE_KIND = {
    Region.Level.KOTA: Organisation.Kind.KOTA,
    Region.Level.KECAMATAN: Organisation.Kind.KECAMATAN,
    Region.Level.KELURAHAN: Organisation.Kind.KELURAHAN,
}
_OFFICE_CODE_PREFIX = {
    Region.Level.KOTA: "kota",
    Region.Level.KECAMATAN: "kec",
    Region.Level.KELURAHAN: "kel",
}
_OFFICE_LEVELS_TOP_DOWN = (Region.Level.KOTA, Region.Level.KECAMATAN, Region.Level.KELURAHAN)


def office_code(*, level: str, region_code: str) -> str:
    """The office's code, as stable as its region's: 31.71.01.1001 -> "kel-31-71-01-1001".

    Organisation codes are slugs (they appear in URLs and the admin), so dots become dashes.
    """
    code = f"{_OFFICE_CODE_PREFIX[level]}-{region_code.replace('.', '-')}"
    if len(code) > 64:  # a long derived code of a name-only file: keep it unique and in the column
        digest = hashlib.sha256(code.encode()).hexdigest()[:8]
        code = f"{code[:55]}-{digest}"
    return code


def office_name(*, level: str, region_name: str) -> str:
    """ "Kelurahan Gambir", "Kecamatan Gambir", "Kota Administrasi Jakarta Pusat".

    Official files already name a kota or kabupaten in full ("Kabupaten Administrasi
    Kepulauan Seribu"); a name-only file says "Jakarta Pusat".
    """
    if level == Region.Level.KELURAHAN:
        return f"Kelurahan {region_name}"
    if level == Region.Level.KECAMATAN:
        return f"Kecamatan {region_name}"
    if region_name.startswith(("Kota ", "Kabupaten ")):
        return region_name
    return f"Kota Administrasi {region_name}"


@dataclass
class OfficeSync:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


@transaction.atomic
def offices_sync(**kwargs: Any) -> OfficeSync:
    """One office per kota, kecamatan and kelurahan, tied to its region and its parent office.

    Runs on `lifecycle.regions_changed`, in the regions' transaction. Every region is checked,
    not only the ones just written: a kelurahan moved to another kecamatan, or a region loaded
    before offices existed, is put right too, and 317 rows cost a handful of queries. Offices
    are created, renamed and re-parented, never deleted (staff belong to them; a region cannot
    be deleted while its office exists).
    """
    regions = list(Region.objects.only("id", "code", "name", "level", "parent_id"))
    code_of_region = {
        region.pk: office_code(level=region.level, region_code=region.code) for region in regions
    }
    offices = Organisation.objects.in_bulk(list(code_of_region.values()), field_name="code")
    result = OfficeSync()
    to_update: list[Organisation] = []
    for level in _OFFICE_LEVELS_TOP_DOWN:
        to_create: list[Organisation] = []
        for region in (region for region in regions if region.level == level):
            code = code_of_region[region.pk]
            # A parent is one level up, so it was created in an earlier pass and has its pk.
            parent = offices.get(code_of_region.get(region.parent_id))
            wanted = {
                "name": office_name(level=level, region_name=region.name),
                "kind": OFFICE_KIND[level],
                "region_id": region.pk,
                "parent_id": parent.pk if parent is not None else None,
            }
            office = offices.get(code)
            if office is None:
                offices[code] = office = Organisation(code=code, **wanted)
                to_create.append(office)
                result.created.append(code)
            elif any(getattr(office, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(office, name, value)
                to_update.append(office)
                result.updated.append(code)
        Organisation.objects.bulk_create(to_create, batch_size=500)
    Organisation.objects.bulk_update(
        to_update, ["name", "kind", "region", "parent"], batch_size=500
    )
    codes = [office_cache_key(region.code) for region in regions]
    transaction.on_commit(lambda: cache.delete_many(codes))
    cache.delete_many(codes)  # now too: this transaction's own reads must not see the old
    return result


def staff_roles_snapshot(*, user: User) -> dict:
    """The roles and flags of `user` as the database holds them: what the audit log compares."""
    if user.pk is None:
        return {
            "is_active": False,
            "is_staff": False,
            "is_superuser": False,
            "organisation": None,
            "groups": [],
            "user_permissions": [],
        }
    user = User.objects.select_related("organisation").get(pk=user.pk)
    return {
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "organisation": user.organisation.code if user.organisation else None,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(
            f"{app_label}.{codename}"
            for app_label, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def staff_roles_record_change(
    *,
    actor: User | None,
    user: User,
    before: dict,
    request: HttpRequest | None = None,
    via: str,
) -> None:
    """Write one audit row when `user`'s roles or flags differ from `before` (a snapshot).

    Who (actor), whom (the user's public id: never the phone), what (each changed field's
    before and after), when and from where (the audit row).
    """
    after = staff_roles_snapshot(user=user)
    changes = {
        field: {"before": before[field], "after": after[field]}
        for field in after
        if before.get(field) != after[field]
    }
    if changes:
        audit_record(
            actor=actor,
            action=AuditEvent.STAFF_ROLES_CHANGED,
            obj_kind="accounts.user",
            obj_id=user.public_id,
            request=request,
            details={"via": via, "changes": changes},
        )


def role_permissions_snapshot(*, group: Group) -> dict:
    """A role's name and permissions as the database holds them (empty for a new group)."""
    if group.pk is None:
        return {"name": None, "permissions": []}
    group = Group.objects.get(pk=group.pk)
    return {
        "name": group.name,
        "permissions": sorted(
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def role_record_change(
    *, actor: User, group: Group, before: dict, request: HttpRequest | None = None
) -> None:
    """A role's permissions are everyone's in it: a change is audited like a user's roles."""
    after = role_permissions_snapshot(group=group)
    changes = {
        field: {"before": before[field], "after": after[field]}
        for field in after
        if before[field] != after[field]
    }
    if changes:
        audit_record(
            actor=actor,
            action=AuditEvent.STAFF_ROLES_CHANGED,
            obj_kind="auth.group",
            obj_id=group.pk,
            request=request,
            details={"via": "admin", "changes": changes},
        )


def staff_create_or_update(
    *,
    phone: str,
    role: str,
    organisation: Organisation | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> tuple[User, bool]:
    """Make `phone` a staff member in `role` (a Role value); the admin needs a password.
    The change of roles is audited (the `create_staff` command has no actor: None)."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(phone=phone)
        before = staff_roles_snapshot(user=User() if created else user)
        user.is_staff = True
        user.is_active = True
        if organisation is not None:
            user.organisation = organisation
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role(role).value))
        staff_roles_record_change(actor=actor, user=user, before=before, via="create_staff")
    return user, created
