"""What notifications does when an account logs out or is erased: the handlers it registers
with `jaki.lifecycle` (apps.py), since accounts, a lower layer, cannot call it by name."""

from __future__ import annotations

from collections import defaultdict

from jaki.celery import enqueue_on_commit
from jaki.notifications.models import Device, InboxItem
from jaki.notifications.services.delivery import deliveries_abandon_for_devices
from jaki.notifications.services.devices import TOPIC_BATCH, devices_deactivate_for_user


def devices_log_out(*, user, device: str | None = None, everywhere: bool = False, **_) -> int:
    """`user_logged_out`: the phone that logged out (its push token `device`) gets no more
    pushes; logging out everywhere stops every phone of the user."""
    if everywhere:
        return devices_deactivate_for_user(user=user, reason="logout")
    if device:
        return devices_deactivate_for_user(user=user, token=device, reason="logout")
    return 0


def notifications_forget_user(*, user, **_) -> None:
    """`user_erased`: the user's devices and inbox are deleted (they are personal: tokens,
    where the phones were, what was said to them).

    Each phone leaves its kelurahan topic after commit, by token (its row is gone, so no
    reconcile sweep would find it); deliveries go with their devices, those still in flight
    counted failed first. Notifications themselves stay: they were said to many, and their
    counts are what a sending service reads."""
    from jaki.notifications import tasks

    devices = list(Device.objects.filter(user=user).values_list("pk", "token", "topic"))
    subscribed: dict[str, list[str]] = defaultdict(list)
    for _pk, token, topic in devices:
        if topic:
            subscribed[topic].append(token)
    for topic, tokens in subscribed.items():
        for start in range(0, len(tokens), TOPIC_BATCH):
            enqueue_on_commit(tasks.leave_topic, tokens[start : start + TOPIC_BATCH], topic)
    device_ids = [pk for pk, _token, _topic in devices]
    deliveries_abandon_for_devices(device_ids=device_ids)
    Device.objects.filter(pk__in=device_ids).delete()
    InboxItem.objects.filter(user=user).delete()
