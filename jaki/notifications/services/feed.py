"""The inbox and the live websocket feed: events go out after commit, in one batch."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import uuid
import weakref
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from jaki.notifications.models import InboxItem, Notification
from jaki.notifications.services.errors import InvalidNotification

PUBLIC_FEED_GROUP = "feed.public"
# group_sends in flight at once: channels_redis's connection pool refuses more
# (MaxConnectionsError), which failed a whole push chunk of 500 inbox events.
FEED_SEND_CONCURRENCY = 50
LAYER_SEND_TIMEOUT = 5  # seconds; a layer that is down fails the send, never hangs a request
# The relay re-joins the public group this often: channels-redis's core layer drops a member a
# day after it joined (the pub/sub and in-memory layers as configured never do).
RELAY_REJOIN_SECONDS = 3600

logger = logging.getLogger(__name__)

_loop_lock = threading.Lock()
_loop: tuple[int, asyncio.AbstractEventLoop] | None = None


def _layer_loop() -> asyncio.AbstractEventLoop:
    """This process's one event loop for channel-layer sends, on a daemon thread (per pid: a
    forked worker starts its own)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer", daemon=True).start()
            _loop = (os.getpid(), loop)
        return _loop[1]


def layer_run(make: Callable[[], Awaitable]) -> None:
    """Run channel-layer sends from synchronous code and wait for them.

    channels_redis keeps its Redis connections per event loop, and async_to_sync runs every
    call in a new loop: a new connection for every send (1.1 ms of CPU, against 0.2 ms on one
    lasting loop, measured). So with Redis the sends go to one loop per process. The in-memory
    layer (`make run`, tests without Redis) keeps its queues in the caller's loop: there,
    async_to_sync as before.
    """
    layer = get_channel_layer()
    if type(layer).__module__.startswith("channels_redis"):
        future = asyncio.run_coroutine_threadsafe(make(), _layer_loop())
        future.result(timeout=LAYER_SEND_TIMEOUT)
    else:
        async_to_sync(make)()


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
    transaction.on_commit(lambda: layer_run(send_all), robust=True)


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
        gate = asyncio.Semaphore(FEED_SEND_CONCURRENCY)

        async def send(uid, event) -> None:
            async with gate:
                await layer.group_send(user_feed_group(uid), {"type": "feed.event", "event": event})

        await asyncio.gather(*(send(uid, event) for uid, event in events))

    layer_run(send_all)


def feed_broadcast_public(*, event: dict) -> None:
    """A public event (a warning broadcast) to every open feed, after the caller's commit."""
    layer = get_channel_layer()
    transaction.on_commit(
        lambda: layer_run(
            lambda: layer.group_send(PUBLIC_FEED_GROUP, {"type": "feed.event", "event": event})
        ),
        robust=True,
    )


def inbox_mark_read(*, user, item: InboxItem) -> None:
    if item.user_id != user.pk:
        raise InvalidNotification()
    InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())


def inbox_mark_all_read(*, user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


class PublicFeedRelay:
    """The open feeds of one event loop (a ws process), reached by one group member.

    A public event goes to every open socket. Each feed joining the group itself costs a Redis
    subscription per socket, and each delivery a trip through the Channels consumer machinery
    (a queue, a new task, a decode, a JSON encode): about 0.35 ms of CPU a socket, so a warning
    to 10,000 sockets took 3.5 s of CPU and the busy ws worker was killed by uvicorn's health
    check with all its sockets (bench/live_feed.py). Here one channel per process is in the
    group; the event is encoded once and written to every feed, each send in its own task so
    that a slow phone only slows itself.
    """

    def __init__(self) -> None:
        self.feeds: dict[object, Callable[[str], Awaitable]] = {}
        self.ready = asyncio.Event()
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                channel = await layer.new_channel()
                await layer.group_add(PUBLIC_FEED_GROUP, channel)
                self.ready.set()
                receiving = asyncio.ensure_future(layer.receive(channel))
                while True:
                    done, _ = await asyncio.wait({receiving}, timeout=RELAY_REJOIN_SECONDS)
                    if not done:
                        await layer.group_add(PUBLIC_FEED_GROUP, channel)
                        continue
                    message = receiving.result()
                    receiving = asyncio.ensure_future(layer.receive(channel))
                    self.fan_out(json.dumps(message["event"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis away: the feeds stay open (the inbox keeps what they miss) and the relay
                # joins again once the layer answers.
                logger.exception("The public feed relay lost its channel layer; joining again")
                await asyncio.sleep(1)

    def fan_out(self, text: str) -> None:
        for send in list(self.feeds.values()):
            asyncio.ensure_future(send(text)).add_done_callback(_ignore_closed)


def _ignore_closed(task: asyncio.Future) -> None:
    # A socket that closed while the event was on its way: its disconnect removes it.
    if not task.cancelled():
        task.exception()


_relays: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _relay() -> PublicFeedRelay:
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None or relay.task.done():
        relay = _relays[loop] = PublicFeedRelay()
    return relay


async def public_feed_join(key: object, send: Callable[[str], Awaitable]) -> None:
    """From now on this feed (`send(text)`) receives every public event, until it leaves."""
    relay = _relay()
    await relay.ready.wait()
    relay.feeds[key] = send


def public_feed_leave(key: object) -> None:
    relay = _relays.get(asyncio.get_running_loop())
    if relay is not None:
        relay.feeds.pop(key, None)


def public_feed_size() -> int:
    """Open feeds of this event loop that public events reach."""
    relay = _relays.get(asyncio.get_running_loop())
    return len(relay.feeds) if relay is not None else 0
