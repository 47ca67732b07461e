"""The public feeds aggregators read: each warning as CAP 1.2, and an Atom index of the active
public ones linking each CAP (Google Public Alerts practice). Mounted at /alerts/."""

from __future__ import annotations

import uuid
from xml.etree import ElementTree as ET

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from disasteralerts import selectors
from disasteralerts.cap import CAP_CONTENT_TYPE, alert_cap_xml, cap_time
from jaki.api import request_language

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"


@require_GET
def alert_cap(request: HttpRequest, alert_id: str) -> HttpResponse:
    """One warning as CAP: the public ones for anyone; officers (signed in) see any."""
    try:
        public_id = uuid.UUID(alert_id)
    except ValueError:
        raise Http404 from None
    alert = selectors.alert_visible(public_id=public_id, user=request.user)
    if alert is None:
        raise Http404
    return HttpResponse(alert_cap_xml(alert), content_type=CAP_CONTENT_TYPE)


@require_GET
def alerts_atom(request: HttpRequest) -> HttpResponse:
    """The Atom index of active public warnings, newest first, each linking its CAP."""
    alerts = selectors.alerts_active()
    language = request_language()
    ET.register_namespace("", ATOM_NAMESPACE)

    def el(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed = ET.Element(f"{{{ATOM_NAMESPACE}}}feed")
    self_url = request.build_absolute_uri(reverse("alerts-atom"))
    el(feed, "id", self_url)
    el(feed, "title", "JAKI — Peringatan bencana" if language == "id" else "JAKI — Warnings")
    updated = max((a.sent for a in alerts), default=timezone.now())
    el(feed, "updated", cap_time(updated))
    el(feed, "link", rel="self", href=self_url)
    author = el(feed, "author")
    el(author, "name", "BPBD DKI Jakarta")
    for alert in alerts:
        info = alert.info(language)
        cap_url = request.build_absolute_uri(
            reverse("alert-cap", kwargs={"alert_id": alert.public_id})
        )
        entry = el(feed, "entry")
        el(entry, "id", f"urn:uuid:{alert.public_id}")
        el(entry, "title", info.headline)
        el(entry, "updated", cap_time(alert.sent))
        el(entry, "published", cap_time(alert.sent))
        entry_author = el(entry, "author")
        el(entry_author, "name", info.sender_name or alert.sender)
        el(entry, "link", rel="alternate", type="application/cap+xml", href=cap_url)
        el(entry, "summary", info.short_text or info.description[:360] or info.event)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type=ATOM_CONTENT_TYPE)


urlpatterns = [
    path("feed.atom", alerts_atom, name="alerts-atom"),
    path("<str:alert_id>.cap", alert_cap, name="alert-cap"),
]
