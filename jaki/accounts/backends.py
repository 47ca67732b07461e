"""Password login for the admin, by phone number in any spelling, watched by django-axes."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from jaki.accounts.phones import normalise_phone


class PhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        phone = username if username is not None else kwargs.get("phone")
        try:
            phone = normalise_phone(phone or "")
        except ValidationError:
            return None
        return super().authenticate(request, username=phone, password=password)


def axes_username(request, credentials: dict | None) -> str:
    """The account a login attempt is counted against: the phone in E.164, however typed, so
    "0811 0000 0000" and "+6281100000000" share one lockout (AXES_USERNAME_CALLABLE)."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    try:
        return normalise_phone(raw)
    except ValidationError:
        return raw


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names a client in its log lines: the phone masked (AXES_CLIENT_STR_CALLABLE)."""
    from jaki.accounts.models import User

    try:
        masked = User(phone=normalise_phone(username or "")).masked_phone
    except ValidationError:
        masked = "[not a phone]"
    return f"{{username: {masked!r}, ip_address: {ip_address!r}, path_info: {path_info!r}}}"
