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
def check_retention(app_configs, **kwargs) -> list[Error]:
    """A zero or negative age would purge everything, a zero batch nothing: refuse both."""
    names = [
        "RETENTION_DELIVERY_DAYS",
        "RETENTION_INBOX_DAYS",
        "RETENTION_ADMIN_LOGIN_LOG_DAYS",
        "RETENTION_BATCH_SIZE",
    ]
    return [
        Error(
            f"{name} must be a positive number, not {getattr(settings, name)!r}.",
            id="retention.E001",
        )
        for name in names
        if getattr(settings, name) <= 0
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


# --- Production: no development stand-in may serve real residents ----------------------------

CONSOLE_SMS = "jaki.accounts.sms.ConsoleSMSBackend"
HTTP_GATEWAY_SMS = "jaki.accounts.sms.HTTPGatewaySMSBackend"


@register()
def check_production_has_no_stand_ins(app_configs, **kwargs) -> list[Error]:
    """With DJANGO_ENV=production every stand-in of the embedded default is an error, naming the
    variable to set; the entry points (asgi, wsgi, Celery) run these checks before serving."""
    if not settings.PRODUCTION:
        return []
    errors = []
    if not settings.REDIS_URL:
        errors.append(
            Error(
                "REDIS_URL is unset: Celery would run tasks eagerly inside web requests, the "
                "cache (throttles, idempotency) would be per process and websocket events "
                "would never leave their process.",
                hint="Set REDIS_URL, e.g. redis://redis:6379/0.",
                id="production.E001",
            )
        )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        errors.append(
            Error(
                "CELERY_TASK_ALWAYS_EAGER is on: tasks would run inside web requests.",
                hint="Unset CELERY_TASK_ALWAYS_EAGER (or set it to false) and run the workers.",
                id="production.E002",
            )
        )
    cache = settings.CACHES["default"]["BACKEND"]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if settings.REDIS_URL and ("locmem" in cache or "InMemory" in layer):
        errors.append(
            Error(
                f"The cache ({cache}) or channel layer ({layer}) is per process.",
                hint="Leave CACHES and CHANNEL_LAYERS to REDIS_URL.",
                id="production.E003",
            )
        )
    if settings.SMS_BACKEND == CONSOLE_SMS:
        errors.append(
            Error(
                "SMS_BACKEND is the console stand-in: login codes would be written to the log "
                "and never reach a phone.",
                hint=f"Set SMS_BACKEND={HTTP_GATEWAY_SMS} with SMS_GATEWAY_URL and "
                "SMS_GATEWAY_TOKEN (or another real gateway class).",
                id="production.E004",
            )
        )
    if settings.SMS_BACKEND == HTTP_GATEWAY_SMS:
        errors.extend(
            Error(
                f"SMS_BACKEND is the HTTP gateway but {name} is unset.",
                hint=f"Set {name} (README: configuration).",
                id="production.E005",
            )
            for name in ("SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN")
            if not getattr(settings, name)
        )
    if settings.PUSH_BACKEND == "log":
        errors.append(
            Error(
                "PUSH_BACKEND is 'log': every push would be recorded as sent and none delivered.",
                hint="Set FIREBASE_CREDENTIALS to the path of a Firebase service-account JSON "
                "file (and leave PUSH_BACKEND unset or 'firebase').",
                id="production.E006",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(
            Error(
                "The database is SQLite.",
                hint="Set DATABASE_URL to PostgreSQL, e.g. postgres://jaki:…@postgres:5432/jaki.",
                id="production.E007",
            )
        )
    return errors
