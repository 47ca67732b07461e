"""Logging filters: personal data and credentials stay out of every log line (UU 27/2022 PDP).

The filter sits on the project's console handler, which Django's, Celery's and uvicorn's loggers
all write through (settings.LOGGING), so uvicorn's access log (`GET /ws/feed/?token=…`) is
masked like our own lines.
"""

import logging
import re

# Indonesian mobile numbers as people and gateways write them: 08…, 628…, +62 8…
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\+?62[\s-]?|0)8\d(?:[\s-]?\d){6,11}(?!\d)")

# (pattern, replacement), applied in order: a JWT anywhere, then credentials by their name in a
# URL, a header or JSON, an OTP code by its wording, and long random secrets (API keys, push
# tokens) mixing upper case, lower case and digits (hex ids and words do not).
SECRET_PATTERNS = [
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*"), "[jwt]"),
    (
        re.compile(
            r"(?i)([?&;](?:token|access|refresh|code|otp|key|api_key|apikey|secret|password"
            r"|signature|sig)=)[^&\s\"'#]+"
        ),
        r"\1[redacted]",
    ),
    (
        re.compile(
            r"(?i)(\"(?:token|access|refresh|api_key|secret|password)\"\s*:\s*\")"
            r"[^\"]*"
        ),
        r"\1[redacted]",
    ),
    (
        re.compile(r"(?i)\b((?:authorization|x-api-key)\s*[:=]\s*)(?:bearer\s+)?\S+"),
        r"\1[redacted]",
    ),
    # Our own API keys (jaki.apikeys), whatever surrounds them.
    (re.compile(r"(?<![\w-])jaki_[0-9a-f]{4,16}_[\w-]+"), "[api-key]"),
    (re.compile(r"(?i)(\b(?:code|kode)\b[^\d\n]{0,24})(?<!\d)\d{6}(?!\d)"), r"\1[code]"),
    (re.compile(r"(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)(?<![\w-])[\w-]{32,}"), "[secret]"),
    (PHONE_PATTERN, "[phone]"),
]

# The console SMS stand-in must print the phone and the code; it is the one exception.
UNREDACTED_LOGGERS = frozenset({"jaki.sms"})


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Mask phone numbers, tokens, codes and keys in a record before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in UNREDACTED_LOGGERS:
            return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text: an exception's message is masked like the line's.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
