"""System checks: a misconfigured integration stops start-up with a message saying what to set."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register()
def check_sms_backend(app_configs, **kwargs) -> list[Error]:
    from jaki.accounts.sms import SMSBackend

    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError as exc:
        return [
            Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported: {exc}",
                hint="Set SMS_BACKEND to a dotted path of an SMSBackend subclass.",
                id="accounts.E001",
            )
        ]
    if not (isinstance(backend, type) and issubclass(backend, SMSBackend)):
        return [
            Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} is not an SMSBackend subclass.",
                id="accounts.E002",
            )
        ]
    return []


@register()
def check_otp_limits(app_configs, **kwargs) -> list[Error]:
    limits = {
        "OTP_TTL_SECONDS": settings.OTP_TTL_SECONDS,
        "OTP_MAX_ATTEMPTS": settings.OTP_MAX_ATTEMPTS,
        "OTP_MAX_CODES_PER_CLIENT": settings.OTP_MAX_CODES_PER_CLIENT,
        "OTP_MAX_CODES_PER_PHONE": settings.OTP_MAX_CODES_PER_PHONE,
        "OTP_PHONE_WINDOW_SECONDS": settings.OTP_PHONE_WINDOW_SECONDS,
    }
    return [
        Error(f"{name} must be a positive number, not {value!r}.", id="accounts.E003")
        for name, value in limits.items()
        if value <= 0
    ]


@register()
def check_app_check(app_configs, **kwargs) -> list[Error]:
    if settings.APP_CHECK_REQUIRED and not settings.FIREBASE_CREDENTIALS:
        return [
            Error(
                "APP_CHECK_REQUIRED is on but FIREBASE_CREDENTIALS is unset: no code request "
                "could be verified.",
                hint="Set FIREBASE_CREDENTIALS to the Firebase project's service-account JSON.",
                id="accounts.E004",
            )
        ]
    return []
