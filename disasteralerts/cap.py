"""CAP 1.2 XML of a warning, valid against the OASIS schema (tests validate every one).

Times carry a numeric offset (CAP forbids `Z`): Jakarta's +07:00. The element order is the
schema's sequence. Short and long texts travel as the IPAWS parameters `CMAMtext` (90) and
`CMAMlongtext` (360), kelurahan as `adm4` geocodes (the Kemendagri code BMKG uses).
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from disasteralerts.models import Alert

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8"
JAKARTA = ZoneInfo("Asia/Jakarta")
GEOCODE_NAME = "adm4"


def cap_time(value: datetime) -> str:
    """2026-12-07T10:00:00+07:00: seconds, a numeric offset, no fraction."""
    return value.astimezone(JAKARTA).replace(microsecond=0).isoformat()


def cap_references(alert: Alert) -> str:
    triples = [
        f"{ref.sender},{ref.identifier},{cap_time(ref.sent)}"
        for ref in sorted(alert.references.all(), key=lambda r: (r.sent or r.created_at, r.pk))
        if ref.sent
    ]
    return " ".join([*triples, *alert.external_references.split()])


def _add(parent: ET.Element, tag: str, text: str | None) -> None:
    if text:
        ET.SubElement(parent, tag).text = text


def alert_cap_xml(alert: Alert) -> bytes:
    """The warning as a CAP 1.2 document (UTF-8 bytes with the XML declaration)."""
    ET.register_namespace("", CAP_NAMESPACE)
    root = ET.Element(f"{{{CAP_NAMESPACE}}}alert")

    def add(parent: ET.Element, tag: str, text: str | None) -> None:
        _add(parent, f"{{{CAP_NAMESPACE}}}{tag}", text)

    def sub(parent: ET.Element, tag: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{CAP_NAMESPACE}}}{tag}")

    add(root, "identifier", alert.identifier)
    add(root, "sender", alert.sender)
    add(root, "sent", cap_time(alert.sent or alert.created_at))
    add(root, "status", alert.status)
    add(root, "msgType", alert.msg_type)
    add(root, "source", "JAKI")
    add(root, "scope", alert.scope)
    add(root, "restriction", alert.restriction)
    add(root, "note", alert.note)
    add(root, "references", cap_references(alert))
    add(root, "incidents", alert.incidents)
    for info in sorted(alert.infos.all(), key=lambda i: i.language != "id"):
        node = sub(root, "info")
        add(node, "language", info.language)
        for category in info.category:
            add(node, "category", category)
        add(node, "event", info.event)
        for response in info.response_type:
            add(node, "responseType", response)
        add(node, "urgency", info.urgency)
        add(node, "severity", info.severity)
        add(node, "certainty", info.certainty)
        add(node, "effective", cap_time(info.effective))
        add(node, "onset", cap_time(info.onset) if info.onset else None)
        add(node, "expires", cap_time(info.expires))
        add(node, "senderName", info.sender_name)
        add(node, "headline", info.headline)
        add(node, "description", info.description)
        add(node, "instruction", info.instruction)
        add(node, "web", info.web)
        add(node, "contact", info.contact)
        for name, value in (("CMAMtext", info.short_text), ("CMAMlongtext", info.long_text)):
            if value:
                parameter = sub(node, "parameter")
                add(parameter, "valueName", name)
                add(parameter, "value", value)
        for area in alert.areas.all():
            area_node = sub(node, "area")
            add(area_node, "areaDesc", area.description)
            for ring in area.polygons:
                add(area_node, "polygon", " ".join(f"{lat},{lon}" for lat, lon in ring))
            for circle in area.circles:
                add(
                    area_node,
                    "circle",
                    f"{circle['lat']},{circle['lon']} {circle['radius_km']}",
                )
            for code in area.kelurahan:
                geocode = sub(area_node, "geocode")
                add(geocode, "valueName", GEOCODE_NAME)
                add(geocode, "value", code)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
