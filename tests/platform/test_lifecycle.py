"""jaki.lifecycle: handlers registered by apps, run in order, in one transaction."""

import pytest

from jaki import lifecycle
from jaki.lifecycle import Hook
from jaki.regions.models import Region

pytestmark = pytest.mark.django_db  # run() opens a transaction


@pytest.mark.django_db(databases=[])
def test_the_platform_apps_register_their_handlers_at_start_up():
    names = {
        hook.name: [f"{h.__module__}.{h.__name__}" for h in hook.handlers]
        for hook in (lifecycle.user_erased, lifecycle.user_logged_out, lifecycle.sessions_ended)
    }

    # The platform's handlers come first; services (which load after it) append theirs.
    assert names["user_erased"][:2] == [
        "jaki.idempotency.services.idempotency_forget_user",
        "jaki.notifications.services.account.notifications_forget_user",
    ]
    assert "complaints.services.complaints_forget_reporter" in names["user_erased"]
    assert names["user_logged_out"] == ["jaki.notifications.services.account.devices_log_out"]
    assert names["sessions_ended"] == ["jaki.notifications.services.feed.feed_revoke"]


def test_handlers_run_in_the_order_they_were_registered_with_the_arguments():
    hook = Hook("test", "")
    calls = []

    @hook.register
    def first(**kwargs):
        calls.append(("first", kwargs))

    @hook.register
    def second(**kwargs):
        calls.append(("second", kwargs))

    hook.run(user="alice", everywhere=True)

    assert calls == [
        ("first", {"user": "alice", "everywhere": True}),
        ("second", {"user": "alice", "everywhere": True}),
    ]


def test_registering_a_handler_again_replaces_it_and_keeps_its_place():
    hook = Hook("test", "")
    calls = []

    def first(**_):
        calls.append("first")

    def second(**_):
        calls.append("second")

    hook.register(first)
    hook.register(second)
    hook.register(first)  # an app's ready() run twice (tests, autoreload)

    hook.run()

    assert calls == ["first", "second"]
    assert len(hook.handlers) == 2


def test_an_unregistered_handler_is_not_called_and_unregistering_twice_is_harmless():
    hook = Hook("test", "")
    calls = []

    def handler(**_):
        calls.append("called")

    hook.register(handler)
    hook.unregister(handler)
    hook.unregister(handler)
    hook.run()

    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_one_handler_raising_rolls_back_what_the_others_wrote():
    hook = Hook("test", "")

    @hook.register
    def writes(**_):
        Region.objects.create(code="31.99", name="Written", level=Region.Level.KOTA)

    @hook.register
    def fails(**_):
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        hook.run()

    assert not Region.objects.filter(code="31.99").exists()
