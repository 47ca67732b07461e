"""`notify(...)`: the one entry point every service reaches residents through."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jaki.celery import enqueue_on_commit
from jaki.notifications import fcm
from jaki.notifications.models import Device, InboxItem, Notification
from jaki.notifications.services.errors import InvalidNotification
from jaki.notifications.services.feed import feed_send_to_users, inbox_event
from jaki.regions.models import Region
from jaki.regions.selectors import Area, InvalidArea

FCM_PAYLOAD_LIMIT = 4096


TOPIC_PAYLOAD_LIMIT = 2048


# Data keys FCM reserves (its own fields and the `google`/`gcm` prefixes): a message carrying
# one is refused by FCM, on every send. `notification_id` and `kind` are what build_push adds.
RESERVED_DATA_KEYS = frozenset(
    {
        "from",
        "message_type",
        "notification",
        "collapse_key",
        "priority",
        "ttl",
        "time_to_live",
        "to",
        "registration_ids",
        "delay_while_idle",
        "restricted_package_name",
        "dry_run",
        "content_available",
        "mutable_content",
        "notification_id",
        "kind",
    }
)
RESERVED_DATA_PREFIXES = ("google", "gcm")


# What an operator's test push says (admin action and `send_test_push`).


TEST_PUSH_TITLE = {"id": "Uji notifikasi JAKI", "en": "JAKI test notification"}


TEST_PUSH_BODY = {
    "id": "Notifikasi uji dari petugas JAKI. Tidak perlu tindakan apa pun.",
    "en": "A test notification from JAKI staff. No action is needed.",
}


def in_languages(message: Any, **params: Any) -> dict[str, str]:
    """A notification's title or body in every language JAKI speaks, for `notify`: `message`
    (a gettext_lazy text with %(name)s placeholders) and lazy params are rendered in each
    language; a param given as {"id": …, "en": …} takes that language's text."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            values = {
                key: value.get(language, value.get("id", "")) if isinstance(value, dict) else value
                for key, value in params.items()
            }
            texts[language] = str(message) % {k: str(v) for k, v in values.items()}
    return texts


def notify(
    *,
    kind: str,
    title: dict[str, str],
    body: dict[str, str],
    users: Iterable | None = None,
    devices: Iterable[Device] | None = None,
    kelurahan: Iterable[str] | None = None,
    area: dict | list[dict] | None = None,
    everyone: bool = False,
    data: dict[str, str] | None = None,
    deep_link: str = "",
    priority: str = Notification.Priority.NORMAL,
    ttl: timedelta = timedelta(days=1),
    collapse_key: str = "",
    source: str = "",
    test: bool = False,
    via_topic: bool = False,
    inbox: bool = True,
) -> Notification:
    """Send one notification to users, devices, kelurahan, an area, or everyone.

    `title`/`body` map a language (`id` required, `en` optional) to text; each device gets its
    language, falling back to `id`. `area` is a GeoJSON (Multi)Polygon in lon/lat or
    `{"type": "Circle", "lat", "lon", "radius_m"}` (or `radius_km`), or a list of them (a union;
    jaki.regions.geo.Area). `via_topic`
    sends a kelurahan audience as one message per kelurahan topic instead of per device. Inbox
    rows are written for named users now and for device owners as the fan-out reaches them.
    """
    # Merged by id, first mention first: one inbox row per user, one delivery per device.
    users = list({u.pk: u for u in users or []}.values())
    device_ids = list(dict.fromkeys(d.pk for d in devices or []))
    kelurahan = sorted(set(kelurahan or []))
    audience: dict = {}
    if users:
        audience["users"] = [u.pk for u in users]
    if device_ids:
        audience["devices"] = device_ids
    if kelurahan:
        audience["kelurahan"] = kelurahan
    if area:
        audience["area"] = _valid_area(area)
    if everyone:
        audience["everyone"] = True
    _validate(title, body, data, priority, ttl, audience, via_topic, kelurahan)

    payload = {str(k): str(v) for k, v in (data or {}).items()}
    if deep_link:
        payload["link"] = deep_link
    notification = Notification(
        kind=kind,
        title_id=title["id"],
        title_en=title.get("en", ""),
        body_id=body["id"],
        body_en=body.get("en", ""),
        data=payload,
        priority=priority,
        ttl_seconds=int(ttl.total_seconds()),
        collapse_key=collapse_key,
        audience=audience,
        via_topic=via_topic,
        inbox=inbox,
        is_test=test,
        source=source,
    )
    for language in {"id", "en"}:
        _check_payload_size(notification, language, via_topic)
    # Everything that can refuse has refused: no savepoint is needed (two round trips fewer
    # inside a caller's transaction, such as a complaint's submit).
    with transaction.atomic(savepoint=False):
        notification.save(force_insert=True)
        if inbox and users:
            items = InboxItem.objects.bulk_create(
                [
                    InboxItem(notification=notification, user=u, created_at=notification.created_at)
                    for u in users
                ]
            )
            events = [
                (u.public_id, inbox_event(item, u.language))
                for u, item in zip(users, items, strict=True)
            ]
            transaction.on_commit(lambda: feed_send_to_users(events), robust=True)
        from jaki.notifications import tasks

        enqueue_on_commit(tasks.fan_out, notification.pk)
    return notification


def _valid_area(area: dict | list[dict]) -> list[dict]:
    """The area as stored on the notification: regions' normalised form (circles in metres)."""
    try:
        return Area(area).spec
    except InvalidArea as exc:
        raise InvalidNotification(exc.detail) from exc


def _validate(title, body, data, priority, ttl, audience, via_topic, kelurahan) -> None:
    if not (title.get("id") and body.get("id")):
        raise InvalidNotification(_("A notification needs an Indonesian title and body."))
    if set(title) - {"id", "en"} or set(body) - {"id", "en"}:
        raise InvalidNotification(_("Titles and bodies are given in 'id' and 'en' only."))
    if priority not in Notification.Priority.values:
        raise InvalidNotification(_("Priority is 'normal' or 'high'."))
    if not timedelta(0) <= ttl <= timedelta(days=28):
        raise InvalidNotification(_("The time to live is between 0 and 28 days."))
    if not audience:
        raise InvalidNotification(_("A notification needs an audience."))
    if via_topic and (set(audience) != {"kelurahan"}):
        raise InvalidNotification(_("Only a kelurahan audience can be sent to topics."))
    if kelurahan:
        known = set(
            Region.objects.filter(code__in=kelurahan, level="kelurahan").values_list(
                "code", flat=True
            )
        )
        if unknown := sorted(set(kelurahan) - known):
            raise InvalidNotification(
                _("Unknown kelurahan: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
    for key, value in (data or {}).items():
        if not isinstance(key, str) or not isinstance(value, str | int | float | bool):
            raise InvalidNotification(_("Data keys and values must be plain strings."))
        if key.lower() in RESERVED_DATA_KEYS or key.lower().startswith(RESERVED_DATA_PREFIXES):
            raise InvalidNotification(
                _("The data key '%(key)s' is reserved by FCM; choose another name.") % {"key": key}
            )


def _check_payload_size(notification: Notification, language: str, via_topic: bool) -> None:
    push = build_push(notification, language, token="x" * 200)
    size = len(json.dumps({"title": push.title, "body": push.body, "data": push.data}).encode())
    limit = TOPIC_PAYLOAD_LIMIT if via_topic else FCM_PAYLOAD_LIMIT
    if size > limit:
        raise InvalidNotification(
            _("The message is %(size)d bytes; FCM accepts at most %(limit)d.")
            % {"size": size, "limit": limit}
        )


def build_push(
    notification: Notification, language: str, *, token: str = "", topic: str = ""
) -> fcm.Push:
    data = {
        **notification.data,
        "notification_id": str(notification.public_id),
        "kind": notification.kind,
    }
    return fcm.Push(
        title=notification.title(language),
        body=notification.body(language),
        data=data,
        priority=notification.priority,
        ttl_seconds=notification.ttl_seconds,
        collapse_key=notification.collapse_key,
        channel="alerts" if notification.priority == Notification.Priority.HIGH else "general",
        token=token,
        topic=topic,
    )
