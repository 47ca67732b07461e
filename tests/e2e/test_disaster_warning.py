"""The two-person rule in a real browser against the real ASGI server: an author composes a
flood warning in the admin and submits it, cannot approve it (no button, and a forged approve
is refused), a second officer approves it from the queue, and a resident's websocket client
connected to the same server receives the warning."""

import json

import pytest

from disasteralerts.models import Alert, State
from tests.complaints.conftest import load_map

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RESIDENT_PHONE = "081234567801"
MONAS_GEOJSON = {
    "type": "Polygon",
    "coordinates": [
        [
            [106.8245, -6.173],
            [106.83, -6.173],
            [106.83, -6.178],
            [106.8245, -6.178],
            [106.8245, -6.173],
        ]
    ],
}


def local(phone: str) -> str:
    """+6281100001006 as officers type it: 081100001006."""
    return "0" + phone.removeprefix("+62")


@pytest.fixture
def officer_page(browser, asgi_server):
    contexts = []

    def open_as(person, password: str):
        context = browser.new_context(base_url=asgi_server.url, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto("/admin/login/")
        page.fill("input[name=username]", local(person.phone))
        page.fill("input[name=password]", password)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/admin/"), page.content()[:3000]
        return page

    yield open_as
    for context in contexts:
        context.close()
    from django.db import connections

    connections.close_all()


def next_alert_event(ws) -> dict:
    """The first `alert` event on the feed (pings and other events skipped)."""
    for _ in range(20):
        event = json.loads(ws.recv(timeout=20))
        if event.get("type") == "alert":
            return event
    raise AssertionError("no alert event on the feed")


def test_author_drafts_and_submits_a_second_officer_approves_a_resident_hears_it(
    asgi_server, officer_page, cast, settings
):
    load_map()
    author, approver = cast.alert_author, cast.alert_approver
    # The server process checks passwords with the production hasher, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for officer in (author, approver):
        officer.set_password(cast.PASSWORD)
        officer.save(update_fields=["password"])

    # The author composes from the flood template, with the area pasted as GeoJSON.
    page = officer_page(author, cast.PASSWORD)
    page.goto("/admin/disasteralerts/alert/compose/?hazard=flood")
    page.fill("#id_area_description", "Monas")
    page.fill("#id_geojson", json.dumps(MONAS_GEOJSON))
    page.evaluate(
        """() => document.querySelectorAll('form textarea, form input[type=text]')
            .forEach(f => { f.value = f.value.replaceAll('{area}', 'Monas'); })"""
    )
    page.click("input[type=submit][value='Save draft']")
    page.wait_for_selector("text=Submit for approval")
    alert = Alert.objects.get()
    assert alert.author == author and alert.state == State.DRAFT
    assert "ACTUAL" in page.content()

    page.click("input[type=submit][value='Submit for approval']")
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.state == State.PENDING

    # The author sees no approve button, on the warning nor in the queue ...
    page.goto(f"/admin/disasteralerts/alert/{alert.pk}/change/")
    assert page.locator("input[value='Approve and broadcast']").count() == 0
    page.goto("/admin/disasteralerts/alert/queue/")
    assert "Monas" in page.content()
    assert page.locator("input[value='Approve and broadcast']").count() == 0
    # ... and a forged approve (the cancel form pointed at approve) is refused.
    page.goto(f"/admin/disasteralerts/alert/{alert.pk}/change/")
    page.evaluate(
        """() => { const form = document.querySelector("form[action$='/cancel/']");
                   form.action = form.action.replace('/cancel/', '/approve/'); form.submit(); }"""
    )
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.state == State.PENDING and alert.approver is None

    # A resident's phone is on the live feed of the same server.
    tokens = asgi_server.login(RESIDENT_PHONE)
    with asgi_server.websocket(f"/ws/feed/?token={tokens['access']}") as feed:
        feed.send('{"type": "ping"}')
        assert json.loads(feed.recv(timeout=10)) == {"type": "pong"}

        # The second officer approves from the queue.
        second = officer_page(approver, cast.PASSWORD)
        second.goto("/admin/disasteralerts/alert/queue/")
        second.click("input[value='Approve and broadcast']")
        second.wait_for_load_state()

        event = next_alert_event(feed)

    alert.refresh_from_db()
    assert alert.state == State.BROADCAST and alert.approver == approver
    assert event["alert_id"] == str(alert.public_id)
    assert event["status"] == "Actual" and "Monas" in event["title"]["en"]
