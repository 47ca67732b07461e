"""System checks: a misconfigured camera service refuses to start, saying what to set."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register()
def cctv_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    if settings.PRODUCTION and not settings.CCTV_SECRET_KEYS:
        errors.append(
            Error(
                "CCTV_SECRET_KEYS is not set: camera URLs would be encrypted with a key "
                "derived from SECRET_KEY.",
                hint="Set CCTV_SECRET_KEYS to one or more Fernet keys "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())').",
                id="cctv.E001",
            )
        )
    for key in settings.CCTV_SECRET_KEYS:
        try:
            Fernet(key)
        except ValueError:
            errors.append(Error("A key of CCTV_SECRET_KEYS is not a Fernet key.", id="cctv.E002"))
            break
    if not 60 <= settings.CCTV_STREAM_TOKEN_SECONDS <= 300:
        errors.append(
            Error(
                "CCTV_STREAM_TOKEN_SECONDS must be between 60 and 300.",
                id="cctv.E003",
            )
        )
    if settings.CCTV_STREAM_SIGNING not in ("hmac", "nginx"):
        errors.append(Error("CCTV_STREAM_SIGNING must be 'hmac' or 'nginx'.", id="cctv.E004"))
    if settings.CCTV_STREAM_SIGNING == "nginx" and not settings.CCTV_NGINX_SECURE_LINK_SECRET:
        errors.append(
            Error(
                "CCTV_STREAM_SIGNING=nginx needs CCTV_NGINX_SECURE_LINK_SECRET.",
                id="cctv.E005",
            )
        )
    pairs = [p.partition(":") for p in settings.CCTV_STREAM_KEYS]
    if any(not kid.strip() or not secret.strip() for kid, _, secret in pairs):
        errors.append(Error("CCTV_STREAM_KEYS lists kid:secret pairs.", id="cctv.E006"))
    if settings.PRODUCTION and not settings.CCTV_STREAM_KEYS:
        errors.append(
            Error(
                "CCTV_STREAM_KEYS is not set: stream tokens would be signed with a key "
                "derived from SECRET_KEY.",
                hint="Set CCTV_STREAM_KEYS=kid:long-random-secret (first one signs).",
                id="cctv.E007",
            )
        )
    return errors
