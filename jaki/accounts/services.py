"""Accounts: OTP login, tokens, profile and erasure. Every write of the app lives here."""

import hashlib
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from jaki.accounts.models import Organisation, OTPCode, Role, User
from jaki.accounts.sms import get_sms_backend
from jaki.api import DomainError
from jaki.notifications.services import devices_deactivate_for_user


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


def otp_request(*, phone: str, language: str = "id") -> OTPCode:
    """Issue a 6-digit code for `phone` (E.164, a code recipient) and text it after commit.

    At most OTP_MAX_CODES_PER_PHONE codes per OTP_PHONE_WINDOW_SECONDS; a new code replaces the
    previous one.
    """
    now = timezone.now()
    window_start = now - timedelta(seconds=settings.OTP_PHONE_WINDOW_SECONDS)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        _lock_phone(phone)
        recent = list(
            OTPCode.objects.filter(phone=phone, created_at__gt=window_start)
            .order_by("created_at")
            .values_list("created_at", flat=True)[: settings.OTP_MAX_CODES_PER_PHONE]
        )
        if len(recent) >= settings.OTP_MAX_CODES_PER_PHONE:
            wait = recent[0] + timedelta(seconds=settings.OTP_PHONE_WINDOW_SECONDS) - now
            raise TooManyCodes(wait_seconds=int(wait.total_seconds()) + 1)
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
    refresh = RefreshToken.for_user(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def tokens_revoke(*, user: User, refresh: str) -> None:
    """Log out: the refresh token stops working (access tokens die within 15 minutes) and the
    user's devices get no more pushes until the app registers them again after a login."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    if token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"]) != str(user.public_id):
        raise InvalidRefreshToken()
    token.blacklist()
    devices_deactivate_for_user(user=user, reason="logout")


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
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
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
