"""Warnings tests run on real Jakarta (Jakarta Pusat and Utara from the bundled official map,
as the complaints tests load it) with devices registered at real places, and the cast's
alert_author and alert_approver."""

import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from disasteralerts import services
from jaki.notifications import fcm
from jaki.notifications import services as notifications
from jaki.notifications.models import Device
from tests.accounts.factories import UserFactory
from tests.complaints.conftest import load_map

MONAS = (-6.1754, 106.8272)  # Kelurahan Gambir, 31.71.01.1001
GAMBIR_EDGE = (-6.1800, 106.8200)  # also Gambir, outside the Monas polygon below
CIKINI = (-6.1960, 106.8400)  # Kelurahan Cikini, 31.71.06.1003
KOJA = (-6.1180, 106.9060)  # Kelurahan Koja, 31.72.04.1001
GAMBIR = "31.71.01.1001"
KOJA_CODE = "31.72.04.1001"

# A small square around Monas, CAP order [lat, lon], closed.
MONAS_SQUARE = [
    [-6.1730, 106.8245],
    [-6.1730, 106.8300],
    [-6.1780, 106.8300],
    [-6.1780, 106.8245],
    [-6.1730, 106.8245],
]


@pytest.fixture(autouse=True)
def jakarta_map(db) -> None:
    load_map()


@pytest.fixture(autouse=True)
def _fresh_push_backend():
    fcm.reset_push_backend()
    yield
    fcm.reset_push_backend()


def draft_fields(**overrides) -> dict:
    """A valid flood warning over the Monas square, as the services take it."""
    effective = timezone.now()
    fields = {
        "status": "Actual",
        "event": "Banjir",
        "category": ["Met"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "response_type": ["Evacuate"],
        "effective": effective,
        "expires": effective + timedelta(hours=12),
        "info": {
            "id": {
                "headline": "Banjir di sekitar Monas",
                "description": "Air meluap dari saluran.",
                "instruction": "Menuju posko terdekat.",
                "short_text": "Banjir di Monas. Segera mengungsi.",
            },
            "en": {
                "headline": "Flood around Monas",
                "description": "Drains overflowing.",
                "instruction": "Go to the nearest shelter.",
            },
        },
        "areas": [{"description": "Monas", "polygons": [MONAS_SQUARE]}],
    }
    fields.update(overrides)
    return fields


def as_json(fields: dict) -> dict:
    body = dict(fields)
    for key in ("effective", "expires"):
        if isinstance(body.get(key), datetime):
            body[key] = body[key].isoformat()
    return body


@pytest.fixture
def draft(cast):
    def make(**overrides):
        return services.alert_draft(author=cast.alert_author, **draft_fields(**overrides))

    return make


@pytest.fixture
def broadcast(cast, draft, django_capture_on_commit_callbacks):
    """A warning drafted by the author, submitted and approved by the approver, pushes sent."""

    def make(**overrides):
        alert = draft(**overrides)
        services.alert_submit(alert=alert, user=cast.alert_author)
        with django_capture_on_commit_callbacks(execute=True):
            alert = services.alert_approve(alert=alert, user=cast.alert_approver)
        alert.refresh_from_db()
        return alert

    return make


@pytest.fixture
def device_at():
    def make(at, *, test: bool = False, language: str = "id") -> Device:
        user = UserFactory()
        device, _ = notifications.device_register(
            user=user,
            token=f"tok-{Device.objects.count()}-{user.pk}",
            platform="android",
            language=language,
            lat=at[0] if at else None,
            lon=at[1] if at else None,
        )
        if test:
            Device.objects.filter(pk=device.pk).update(is_test=True)
            device.refresh_from_db()
        return device

    return make


class _FeedHandler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self):
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: the test reads its answers, not the server's log."""


@pytest.fixture
def feed_server():
    """A local HTTP server for the importers' fetch: `url = feed_server("/x.xml", body)`."""
    routes: dict[str, tuple[int, bytes]] = {}
    handler = type("Handler", (_FeedHandler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(path: str, body: bytes, status: int = 200) -> str:
        routes[path] = (status, body)
        return f"http://127.0.0.1:{server.server_port}{path}"

    yield serve
    server.shutdown()
    server.server_close()
