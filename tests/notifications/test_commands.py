"""`manage.py send_test_push`: a test notification to one person's phones, with its counts."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from firebase_admin import messaging

from jaki.notifications.models import Device, InboxItem, Notification
from tests.accounts.factories import UserFactory
from tests.fakes.fcm import FakeFCM
from tests.notifications.factories import DeviceFactory

# fcm.py silences this at import; pytest's per-test warning capture brings it back.
SDK_TOKEN_WARNING = pytest.mark.filterwarnings(
    "ignore:Message.token is deprecated:DeprecationWarning"
)
COUNTS = re.compile(r"^targeted (\d+), sent (\d+), failed (\d+), pruned (\d+)$", re.MULTILINE)


@pytest.fixture
def resident(db):
    return UserFactory(phone="+6281234567890", name="Siti")


def send_test_push(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("send_test_push", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts_in(output: str) -> tuple[int, ...]:
    (match,) = COUNTS.findall(output)
    return tuple(int(n) for n in match)


@pytest.fixture
def fake_fcm(settings, tmp_path):
    """The firebase backend, pointed at a local fake FCM with a throwaway service account."""
    send_url = messaging._MessagingService.FCM_URL  # FirebaseBackend rewrites the class's URL
    with FakeFCM() as fake:
        credentials = tmp_path / "service-account.json"
        credentials.write_text(json.dumps(fake.service_account_info("jaki-test")))
        settings.PUSH_BACKEND = "firebase"
        settings.FIREBASE_CREDENTIALS = str(credentials)
        settings.FCM_ENDPOINT = fake.url
        yield fake
    messaging._MessagingService.FCM_URL = send_url


@pytest.mark.django_db(transaction=True)
def test_it_pushes_to_every_active_device_and_prints_the_counts_and_backend(resident):
    DeviceFactory.create_batch(2, user=resident)
    DeviceFactory(user=resident, is_active=False)
    DeviceFactory()  # someone else's

    output = send_test_push("--phone=0812-3456-7890")

    assert counts_in(output) == (2, 2, 0, 0)
    assert "backend log" in output
    assert "+6281234567890" not in output  # masked even on the operator's terminal
    sent = Notification.objects.get()
    assert (sent.kind, sent.source, sent.inbox, sent.state) == (
        "test",
        "send_test_push",
        False,
        "done",
    )
    assert sent.title_id == "Uji notifikasi JAKI"
    assert not InboxItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_sends_the_title_and_body_it_is_given(resident):
    DeviceFactory(user=resident, language="en")

    send_test_push("--phone=+6281234567890", "--title=Halo", "--body=Apa kabar?")

    sent = Notification.objects.get()
    assert (sent.title("en"), sent.body("en")) == ("Halo", "Apa kabar?")


@SDK_TOKEN_WARNING
@pytest.mark.django_db(transaction=True)
def test_it_goes_through_firebase_and_fails_when_nothing_was_sent(resident, fake_fcm):
    device = DeviceFactory(user=resident)
    fake_fcm.fail_token(device.token, "UNREGISTERED")
    out = io.StringIO()

    with translation.override("en"), pytest.raises(CommandError, match="Nothing was sent"):
        call_command("send_test_push", "--phone=081234567890", stdout=out)

    assert counts_in(out.getvalue()) == (1, 0, 0, 1)
    assert "backend firebase" in out.getvalue()
    assert [m.token for m in fake_fcm.sent] == [device.token]
    device.refresh_from_db()
    assert not device.is_active  # the dead token was pruned


@SDK_TOKEN_WARNING
@pytest.mark.django_db(transaction=True)
def test_it_reports_a_firebase_send_that_worked(resident, fake_fcm):
    device = DeviceFactory(user=resident)

    output = send_test_push("--phone=081234567890", "--title=Halo")

    assert counts_in(output) == (1, 1, 0, 0)
    assert "backend firebase" in output
    (message,) = fake_fcm.sent
    assert message.token == device.token
    assert message.message["notification"]["title"] == "Halo"


def test_it_gives_up_waiting_and_fails_when_no_worker_answers(resident):
    # Inside the test's transaction the fan-out never runs: like a push queue with no worker.
    DeviceFactory(user=resident)
    out, err = io.StringIO(), io.StringIO()

    with translation.override("en"), pytest.raises(CommandError, match="Nothing was sent"):
        call_command(
            "send_test_push", "--phone=081234567890", "--timeout=0", stdout=out, stderr=err
        )

    assert counts_in(out.getvalue()) == (0, 0, 0, 0)
    assert "still under way" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phone=12"], "--phone"),
        (["--phone=081299990000"], "no user"),
        ([], "--phone"),
    ],
)
def test_it_refuses_a_bad_or_unknown_phone(resident, args, message):
    with pytest.raises(CommandError, match=message):
        send_test_push(*args)

    assert not Notification.objects.exists()


def test_it_refuses_a_user_without_an_active_device(resident):
    DeviceFactory(user=resident, is_active=False)

    with pytest.raises(CommandError, match="no active device"):
        send_test_push("--phone=081234567890")

    assert not Notification.objects.exists()
    assert Device.objects.count() == 1
