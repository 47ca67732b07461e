"""Notifications: devices, the one `notify` entry point, delivery, inbox and the live feed.

Every service reaches residents through `notify(...)`. It writes the record (and the inbox rows
of named users) in the caller's transaction and fans out only after commit, through Celery tasks
on the `push` queue (tasks.py), which call back into `delivery`.
"""

from jaki.notifications.services.account import devices_log_out, notifications_forget_user
from jaki.notifications.services.delivery import (
    deliveries_abandon_for_devices,
    deliveries_send,
    deliveries_settle_stale,
    fanout_chunks,
    fanout_finish,
    retry_delay,
    topic_send,
)
from jaki.notifications.services.devices import (
    device_deactivate,
    device_register,
    device_sync_topic,
    device_update,
    devices_deactivate_for_user,
    devices_leave_topic,
    devices_reconcile_topics,
    devices_sync_topics,
    kelurahan_topic,
)
from jaki.notifications.services.errors import InvalidNotification
from jaki.notifications.services.feed import (
    PUBLIC_FEED_GROUP,
    feed_broadcast_public,
    feed_revoke,
    feed_send_to_users,
    inbox_event,
    inbox_mark_all_read,
    inbox_mark_read,
    public_feed_join,
    public_feed_leave,
    public_feed_size,
    session_feed_group,
    user_feed_group,
)
from jaki.notifications.services.notify import (
    TEST_PUSH_BODY,
    TEST_PUSH_TITLE,
    build_push,
    in_languages,
    notify,
)
from jaki.notifications.services.requeue import Requeued, push_requeue_stranded
from jaki.notifications.services.retention import Purged, notifications_purge_old

__all__ = [
    "PUBLIC_FEED_GROUP",
    "TEST_PUSH_BODY",
    "TEST_PUSH_TITLE",
    "InvalidNotification",
    "Purged",
    "Requeued",
    "build_push",
    "deliveries_abandon_for_devices",
    "deliveries_send",
    "deliveries_settle_stale",
    "device_deactivate",
    "device_register",
    "device_sync_topic",
    "device_update",
    "devices_deactivate_for_user",
    "devices_leave_topic",
    "devices_log_out",
    "devices_reconcile_topics",
    "devices_sync_topics",
    "fanout_chunks",
    "fanout_finish",
    "feed_broadcast_public",
    "feed_revoke",
    "feed_send_to_users",
    "in_languages",
    "inbox_event",
    "inbox_mark_all_read",
    "inbox_mark_read",
    "kelurahan_topic",
    "notifications_forget_user",
    "notifications_purge_old",
    "notify",
    "public_feed_join",
    "public_feed_leave",
    "public_feed_size",
    "push_requeue_stranded",
    "retry_delay",
    "session_feed_group",
    "topic_send",
    "user_feed_group",
]
