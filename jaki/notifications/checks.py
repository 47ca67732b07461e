"""System checks: a push configuration that cannot work stops start-up, saying what to set."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register

from jaki.notifications import fcm


@register()
def check_push_backend(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.PUSH_BACKEND not in ("firebase", "log"):
        errors.append(
            Error(
                f"PUSH_BACKEND is {settings.PUSH_BACKEND!r}.",
                hint="Set PUSH_BACKEND to 'firebase' or 'log'.",
                id="notifications.E001",
            )
        )
    if settings.PUSH_BACKEND == "firebase":
        errors.extend(_check_credentials(settings.FIREBASE_CREDENTIALS))
        if missing := fcm.sdk_internals_missing():
            errors.append(
                Error(
                    f"The installed firebase-admin lacks internals the push backend uses: "
                    f"{', '.join(missing)}.",
                    hint="Install the firebase-admin version pinned in pyproject.toml.",
                    id="notifications.E007",
                )
            )
    if settings.FCM_ENDPOINT:
        parts = urlsplit(settings.FCM_ENDPOINT)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            errors.append(
                Error(
                    f"FCM_ENDPOINT {settings.FCM_ENDPOINT!r} is not a scheme and host.",
                    hint="Set FCM_ENDPOINT like http://127.0.0.1:9099 (no path), or unset it.",
                    id="notifications.E002",
                )
            )
    if not 1 <= settings.PUSH_CHUNK_SIZE <= 500:
        errors.append(
            Error("PUSH_CHUNK_SIZE must be 1 to 500 (FCM's limit).", id="notifications.E003")
        )
    return errors


def _check_credentials(path: str) -> list[Error]:
    hint = "Set FIREBASE_CREDENTIALS to the path of a Firebase service-account JSON file."
    if not path:
        return [
            Error(
                "PUSH_BACKEND is 'firebase' but FIREBASE_CREDENTIALS is unset.",
                hint=hint,
                id="notifications.E004",
            )
        ]
    try:
        with open(path, encoding="utf-8") as handle:
            info = json.load(handle)
    except (OSError, ValueError) as exc:
        return [
            Error(f"FIREBASE_CREDENTIALS cannot be read: {exc}", hint=hint, id="notifications.E005")
        ]
    missing = [
        key
        for key in ("type", "project_id", "private_key", "client_email", "token_uri")
        if not info.get(key)
    ]
    if info.get("type") != "service_account" or missing:
        return [
            Error(
                f"FIREBASE_CREDENTIALS is not a service-account key (missing {missing}).",
                hint=hint,
                id="notifications.E006",
            )
        ]
    return []
