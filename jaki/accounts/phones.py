"""Phone numbers as identities: every spelling of one number becomes one E.164 string."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalise_phone(raw: str) -> str:
    """'0812-3456-7890', '62812…' and '+62 812…' all give '+6281234567890'.

    Raises ValidationError for anything that is not a valid number.
    """
    text = (raw or "").strip()
    if text and text[0].isdigit() and not text.startswith("0"):
        # People and SMS gateways often drop the '+' of a country code ('62812…').
        text = "+" + text
    try:
        number = phonenumbers.parse(text, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """+62812****5678: enough for staff to tell people apart, not enough to call them. A
    short or odd contact number (an Open311 client's) keeps only its last two digits."""
    phone = (phone or "").strip()
    if len(phone) > 10:
        return f"{phone[:6]}{'*' * (len(phone) - 10)}{phone[-4:]}"
    return f"{'*' * max(len(phone) - 2, 0)}{phone[-2:]}" if phone else ""


# Login codes go only where SMS pumping cannot earn anyone money: Indonesian mobile numbers.
CODE_REGION = "ID"


def require_code_recipient(phone: str) -> None:
    """Refuse to text a code to a foreign, landline, premium-rate or toll-free number.

    Only the MOBILE type passes. FIXED_LINE_OR_MOBILE is refused on purpose: Indonesia's metadata
    tells the 08… mobile ranges apart from landlines, so that type never comes from a real ID
    mobile number, and a number nobody can say reaches a handset must not cost us an SMS.
    """
    number = phonenumbers.parse(phone)
    if (
        phonenumbers.region_code_for_number(number) != CODE_REGION
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(
            _("Login codes are sent only to Indonesian mobile numbers (08…)."),
            code="not_mobile",
        )
