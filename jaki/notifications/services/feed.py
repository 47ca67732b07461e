"""The inbox and the live websocket feed: events go out after commit, in one batch."""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from jaki.notifications.models import InboxItem, Notification
from jaki.notifications.services.errors import InvalidNotification

PUBLIC_FEED_GROUP = "feed.public"


def user_feed_group(user_public_id) -> str:
    return f"feed.user.{user_public_id.hex if hasattr(user_public_id, 'hex') else user_public_id}"


def session_feed_group(sid) -> str:
    """The open sockets of one login (the `sid` claim of the token each was opened with)."""
    return f"feed.session.{sid.hex if hasattr(sid, 'hex') else str(sid).replace('-', '')}"


def feed_revoke(*, user, sessions: list[str] | None = None, **_) -> None:
    """Close, after commit, the open feeds of these ended sessions (4401), or every open feed of
    the user when `sessions` is None (everywhere, erasure). Registered on `sessions_ended`."""
    layer = get_channel_layer()
    groups = (
        [user_feed_group(user.public_id)]
        if sessions is None
        else [session_feed_group(sid) for sid in sessions]
    )

    async def send_all():
        await asyncio.gather(*(layer.group_send(g, {"type": "feed.revoke"}) for g in groups))

    # Live events are best effort once the write is committed (the inbox is the lasting copy):
    # a channel layer that is down is logged by Django, never answered to the client as a 500.
    transaction.on_commit(lambda: async_to_sync(send_all)(), robust=True)


def inbox_for_owners(notification: Notification, user_ids: set[int]) -> None:
    """Inbox rows for the owners of the devices a broadcast reached; once per user."""
    if not user_ids:
        return
    table = connection.ops.quote_name(InboxItem._meta.db_table)
    public_id = InboxItem._meta.get_field("public_id")
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(user_ids))
    params: list = []
    for user_id in sorted(user_ids):
        params += [
            public_id.get_db_prep_value(uuid.uuid4(), connection),
            notification.pk,
            user_id,
            notification.created_at,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (public_id, notification_id, user_id, created_at) "  # noqa: S608
            f"VALUES {rows} ON CONFLICT (notification_id, user_id) DO NOTHING RETURNING id",
            params,
        )
        created = [row[0] for row in cursor.fetchall()]
    items = InboxItem.objects.filter(pk__in=created).select_related("notification", "user")
    feed_send_to_users(
        [(item.user.public_id, inbox_event(item, item.user.language)) for item in items]
    )


def inbox_event(item: InboxItem, language: str) -> dict:
    notification = item.notification
    return {
        "type": "notification",
        "id": str(item.public_id),
        "kind": notification.kind,
        "title": notification.title(language),
        "body": notification.body(language),
        "data": notification.data,
        "created_at": item.created_at.isoformat(),
        "read_at": None,
    }


def feed_send_to_users(events: list[tuple]) -> None:
    """Push events to each user's live feed (every open websocket of theirs); all in one go."""
    if not events:
        return
    layer = get_channel_layer()

    async def send_all():
        await asyncio.gather(
            *(
                layer.group_send(user_feed_group(uid), {"type": "feed.event", "event": event})
                for uid, event in events
            )
        )

    async_to_sync(send_all)()


def feed_broadcast_public(*, event: dict) -> None:
    """A public event (a warning broadcast) to every open feed, after the caller's commit."""
    layer = get_channel_layer()
    transaction.on_commit(
        lambda: async_to_sync(layer.group_send)(
            PUBLIC_FEED_GROUP, {"type": "feed.event", "event": event}
        ),
        robust=True,
    )


def inbox_mark_read(*, user, item: InboxItem) -> None:
    if item.user_id != user.pk:
        raise InvalidNotification()
    InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())


def inbox_mark_all_read(*, user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
