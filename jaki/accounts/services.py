"""Accounts: OTP login, tokens, profile and erasure. Every write of the app lives here."""

import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.http import HttpRequest
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
from jaki.audit.models import AuditEvent
from jaki.audit.services import audit_record
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
