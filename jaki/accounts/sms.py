"""SMS backends, chosen by the SMS_BACKEND setting (a dotted path), built once, lazily."""

import functools
import logging

import requests
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("jaki.sms")
# The gateway's own log: it never names the phone, so it goes through the usual redaction.
gateway_logger = logging.getLogger("jaki.sms.gateway")


class SMSBackend:
    """Subclass and implement `send` to plug in a real SMS gateway."""

    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(SMSBackend):
    """Development stand-in: logs one line holding the phone and the message (with the code)."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)


class HTTPGatewaySMSBackend(SMSBackend):
    """A generic HTTP SMS gateway: POST {"to", "message"} as JSON to SMS_GATEWAY_URL with
    `Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx is accepted.

    A failed send is logged (status or error class, never the phone or the code) and not raised:
    the code is already committed and the resident can ask for another.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.timeout = settings.SMS_GATEWAY_TIMEOUT_SECONDS
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"

    def send(self, *, phone: str, message: str) -> None:
        try:
            response = self.session.post(
                self.url, json={"to": phone, "message": message}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            gateway_logger.error("SMS gateway unreachable: %s", type(exc).__name__)
            return
        if not response.ok:
            gateway_logger.error("SMS gateway refused a message: HTTP %s", response.status_code)


@functools.cache
def get_sms_backend() -> SMSBackend:
    return import_string(settings.SMS_BACKEND)()
