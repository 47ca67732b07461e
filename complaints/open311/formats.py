"""The two GeoReport v2 formats. Views hand over plain data (lists and dicts of strings,
numbers, booleans and None); the XML renderer names the root and the repeated elements as the
specification does (`<services><service>…`, `<service_requests><request>…`,
`<errors><error>…`), the JSON renderer writes the same data as it is."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

from rest_framework.renderers import BaseRenderer, JSONRenderer

# A list held by a key becomes repeated elements with the singular name.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


# Characters XML 1.0 cannot hold at all (control characters a description may carry): left
# out, or a client's parser would refuse the whole document.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def xml_document(data: Any, *, root: str, item: str | None = None) -> bytes:
    """`data` as a UTF-8 XML document under `root`; a list becomes repeated `item` elements."""
    element = ET.Element(root)
    if isinstance(data, list):
        for child in data:
            _fill(ET.SubElement(element, item or "item"), child)
    else:
        _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


class Open311XMLRenderer(BaseRenderer):
    """`.xml`: the view names its root and item elements (`xml_root`, `xml_item`); an error
    response is always `<errors><error><code/><description/></error></errors>`."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and response.status_code >= 400:
            return xml_document(data, root="errors", item="error")
        return xml_document(
            data, root=getattr(view, "xml_root", "response"), item=getattr(view, "xml_item", None)
        )


class Open311JSONRenderer(JSONRenderer):
    """`.json`: the data as it is, UTF-8 (not \\u escapes)."""

    format = "json"
    ensure_ascii = False
