"""Password login for the admin, by phone number in any spelling."""

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
