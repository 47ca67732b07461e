"""Reading CAP 1.2 XML from outside (a file, a URL): hardened parsing into plain values.

Outside XML is hostile until parsed: defusedxml refuses any DTD, so no entity expansion
(billion laughs), no external entities or DTD fetches (XXE), and the document's size is capped
before parsing. The result is the dict `intake.alert_draft_from_cap` takes; every CAP check
beyond "is this a CAP 1.2 alert at all" is left to the draft's own validation.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disasteralerts.cap import CAP_NAMESPACE
from jaki.api import DomainError

MAX_CAP_BYTES = 1_000_000  # real CAP messages are a few kB; a signed one ~25 kB
NS = f"{{{CAP_NAMESPACE}}}"


class CapRefused(DomainError):
    """Not a CAP 1.2 alert we will read: malformed, hostile or too large (400)."""

    default_code = "invalid_cap"
    default_detail = gettext_lazy("This is not a CAP 1.2 alert.")


def parse_xml(data: bytes, *, max_bytes: int = MAX_CAP_BYTES) -> Element:
    """Any outside XML document (CAP, BMKG's autogempa.xml), parsed with no DTD allowed."""
    if not isinstance(data, bytes | str):
        raise CapRefused(_("The document is empty."))
    if len(data) > max_bytes:
        raise CapRefused(_("The document is larger than %(limit)d bytes.") % {"limit": max_bytes})
    if not data.strip():
        raise CapRefused(_("The document is empty."))
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise CapRefused(
            _("The document declares a DTD or entities; CAP needs neither, so it is refused.")
        ) from None
    except (ParseError, ValueError) as exc:
        raise CapRefused(
            _("The document is not well-formed XML (%(error)s).") % {"error": exc}
        ) from None


def _text(parent: Element, tag: str) -> str:
    child = parent.find(NS + tag)
    return (child.text or "").strip() if child is not None else ""


def _texts(parent: Element, tag: str) -> list[str]:
    return [(c.text or "").strip() for c in parent.findall(NS + tag) if (c.text or "").strip()]


def _time(parent: Element, tag: str, *, required: bool = False) -> datetime | None:
    value = _text(parent, tag)
    if not value:
        if required:
            raise CapRefused(_("The alert has no <%(tag)s>.") % {"tag": tag})
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise CapRefused(
            _("<%(tag)s> is not a CAP time with an offset: %(value)s")
            % {"tag": tag, "value": value[:40]}
        )
    return parsed


def _pairs(parent: Element, tag: str) -> list[tuple[str, str]]:
    return [(_text(p, "valueName"), _text(p, "value")) for p in parent.findall(NS + tag)]


def _area(area: Element) -> dict:
    return {
        "description": _text(area, "areaDesc"),
        "polygons": _texts(area, "polygon"),
        "circles": _texts(area, "circle"),
        "geocodes": _pairs(area, "geocode"),
    }


def _info(info: Element) -> dict:
    return {
        "language": _text(info, "language") or "en-US",
        "category": _texts(info, "category"),
        "event": _text(info, "event"),
        "response_type": _texts(info, "responseType"),
        "urgency": _text(info, "urgency"),
        "severity": _text(info, "severity"),
        "certainty": _text(info, "certainty"),
        "effective": _time(info, "effective"),
        "onset": _time(info, "onset"),
        "expires": _time(info, "expires"),
        "sender_name": _text(info, "senderName"),
        "headline": _text(info, "headline"),
        "description": _text(info, "description"),
        "instruction": _text(info, "instruction"),
        "web": _text(info, "web"),
        "contact": _text(info, "contact"),
        "parameters": dict(_pairs(info, "parameter")),
        "areas": [_area(a) for a in info.findall(NS + "area")],
    }


def cap_parse(data: bytes) -> dict:
    """A CAP 1.2 document as the message dict of `intake.alert_draft_from_cap`.

    Raises CapRefused for anything that is not a well-formed CAP 1.2 <alert> with its required
    elements (identifier, sender, sent, status, msgType, scope), or that carries a DTD.
    """
    root = parse_xml(data)
    if root.tag != NS + "alert":
        raise CapRefused(
            _("The root element is not a CAP 1.2 <alert> (namespace %(ns)s).")
            % {"ns": CAP_NAMESPACE}
        )
    for tag in ("identifier", "sender", "status", "msgType", "scope"):
        if not _text(root, tag):
            raise CapRefused(_("The alert has no <%(tag)s>.") % {"tag": tag})
    return {
        "identifier": _text(root, "identifier"),
        "sender": _text(root, "sender"),
        "sent": _time(root, "sent", required=True),
        "status": _text(root, "status"),
        "msg_type": _text(root, "msgType"),
        "scope": _text(root, "scope"),
        "restriction": _text(root, "restriction"),
        "note": _text(root, "note"),
        "references": _text(root, "references"),
        "incidents": _text(root, "incidents"),
        "infos": [_info(i) for i in root.findall(NS + "info")],
    }
