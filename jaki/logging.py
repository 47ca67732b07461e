"""Logging filters: personal data stays out of application logs (UU 27/2022 PDP)."""

import logging
import re

# Indonesian mobile numbers as people and gateways write them: 08…, 628…, +62 8…
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\+?62[\s-]?|0)8\d(?:[\s-]?\d){6,11}(?!\d)")

# The console SMS stand-in must print the phone and the code; it is the one exception.
UNREDACTED_LOGGERS = frozenset({"jaki.sms"})


class RedactPhoneNumbers(logging.Filter):
    """Replace anything that looks like a phone number with a mask before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in UNREDACTED_LOGGERS:
            return True
        message = record.getMessage()
        redacted = PHONE_PATTERN.sub("[phone]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
