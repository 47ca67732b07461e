"""Accounts: OTP login, tokens, profile and erasure. Every write of the app lives here."""

import secrets
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from jaki.accounts.models import Organisation, OTPCode, Role, Session, User
from jaki.accounts.selectors import SESSION_CLAIM, session_cache_key, session_cache_seconds
from jaki.accounts.sms import get_sms_backend
from jaki.api import DomainError
from jaki.notifications.services import devices_deactivate_for_user, feed_revoke

JTI_CLAIM = "jti"


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


def otp_request(*, phone: str, language: str = "id") -> OTPCode:
    """Issue a 6-digit code for `phone` (E.164) and text it after commit.

    At most OTP_MAX_CODES_PER_PHONE codes per OTP_PHONE_WINDOW_SECONDS; a new code replaces the
    previous one.
    """
    now = timezone.now()
    window_start = now - timedelta(seconds=settings.OTP_PHONE_WINDOW_SECONDS)
    recent = list(
        OTPCode.objects.filter(phone=phone, created_at__gt=window_start)
        .order_by("created_at")
        .values_list("created_at", flat=True)[: settings.OTP_MAX_CODES_PER_PHONE]
    )
    if len(recent) >= settings.OTP_MAX_CODES_PER_PHONE:
        wait = recent[0] + timedelta(seconds=settings.OTP_PHONE_WINDOW_SECONDS) - now
        raise TooManyCodes(wait_seconds=int(wait.total_seconds()) + 1)

    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        otp = OTPCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        with override(language):
            message = _(
                "Your JAKI code is %(code)s. It is valid for %(minutes)d minutes. "
                "Never share it with anyone."
            ) % {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60}
        transaction.on_commit(partial(get_sms_backend().send, phone=phone, message=message))
    return otp


def otp_verify(*, phone: str, code: str, language: str = "id") -> User:
    """Check `code` against the newest code for `phone`; return the user, created on first login.

    Each wrong try counts, committed even though the call then fails.
    """
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OTPCode.objects.select_for_update().filter(phone=phone).order_by("-created_at").first()
        )
        if otp is None or otp.used_at is not None:
            failure: DomainError = InvalidCode()
        elif otp.expires_at <= now:
            failure = CodeExpired()
        elif otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            failure = TooManyAttempts()
        else:
            otp.attempts += 1
            if constant_time_compare(otp.code_hash, _code_hash(phone, code)):
                otp.used_at = now
                otp.save(update_fields=["attempts", "used_at"])
                user, _created = User.objects.get_or_create(
                    phone=phone, defaults={"language": language}
                )
                if not user.is_active:
                    raise AccountDisabled()
                return user
            otp.save(update_fields=["attempts"])
            failure = (
                TooManyAttempts() if otp.attempts >= settings.OTP_MAX_ATTEMPTS else InvalidCode()
            )
    raise failure


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
        feed_revoke(user=user, sessions=sessions)


def tokens_revoke(
    *, user: User, refresh: str, device: str | None = None, everywhere: bool = False
) -> None:
    """Log out: the session of `refresh` ends (its tokens stop working, its open feeds close)
    and this phone's push token `device` gets no more pushes; the user's other phones stay
    signed in. `everywhere` ends every session and stops every device of the user."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    if token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"]) != str(user.public_id):
        raise InvalidRefreshToken()
    with transaction.atomic():
        token.blacklist()
        if everywhere:
            sessions_revoke(user=user, reason="logout everywhere")
            devices_deactivate_for_user(user=user, reason="logout")
            return
        sid = token.get(SESSION_CLAIM)
        if sid is not None:
            sessions_revoke(user=user, sessions=[str(sid)], reason="logout")
        if device:
            devices_deactivate_for_user(user=user, token=device, reason="logout")


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
    """Erase a resident's personal data on request (UU PDP): phone, name, codes, sessions.

    The row stays, anonymised and inactive, so records that point at it (complaints) survive
    without saying who made them.
    """
    sessions_revoke(user=user, reason="account erased")
    if user.phone:
        OTPCode.objects.filter(phone=user.phone).delete()
    devices_deactivate_for_user(user=user, reason="account erased", forget_location=True)
    user.phone = None
    user.name = ""
    user.is_active = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()


def roles_ensure(*, using: str = "default") -> None:
    """Every staff role exists as a group of the same name (idempotent)."""
    for role in Role:
        Group.objects.using(using).get_or_create(name=role.value)


def staff_create_or_update(
    *,
    phone: str,
    role: str,
    organisation: Organisation | None = None,
    password: str | None = None,
) -> tuple[User, bool]:
    """Make `phone` a staff member in `role` (a Role value); the admin needs a password."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(phone=phone)
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
    return user, created
