"""SMS backends, chosen by the SMS_BACKEND setting (a dotted path), built once, lazily."""

import functools
import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("jaki.sms")


class SMSBackend:
    """Subclass and implement `send` to plug in a real SMS gateway."""

    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(SMSBackend):
    """Development stand-in: logs one line holding the phone and the message (with the code)."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)


@functools.cache
def get_sms_backend() -> SMSBackend:
    return import_string(settings.SMS_BACKEND)()
