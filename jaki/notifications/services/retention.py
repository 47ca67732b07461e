"""Retention of push records: deliveries, inbox items, and the notifications they leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jaki.notifications.models import Delivery, InboxItem, Notification
from jaki.retention import delete_in_batches


@dataclass(frozen=True, slots=True)
class Purged:
    deliveries: int
    inbox_items: int
    notifications: int


def notifications_purge_old(*, now: datetime | None = None) -> Purged:
    """Delete deliveries older than RETENTION_DELIVERY_DAYS and inbox items older than
    RETENTION_INBOX_DAYS, by their notification's age (the notification's created_at index
    finds them, the (notification, …) unique indexes reach the rows), in batches.

    A notification goes once both have aged out and none of its rows is left: what remains is
    only its counts, and a service that must keep those (a warning's reach) copies them onto
    its own record when the fan-out finishes. One still in flight is never touched."""
    now = now or timezone.now()
    delivery_horizon = now - timedelta(days=settings.RETENTION_DELIVERY_DAYS)
    inbox_horizon = now - timedelta(days=settings.RETENTION_INBOX_DAYS)
    deliveries = delete_in_batches(
        Delivery.objects.filter(notification__created_at__lt=delivery_horizon).exclude(
            status__in=[Delivery.Status.SENDING, Delivery.Status.RETRY]
        )
    )
    inbox_items = delete_in_batches(
        InboxItem.objects.filter(notification__created_at__lt=inbox_horizon)
    )
    spent = Notification.objects.filter(
        created_at__lt=min(delivery_horizon, inbox_horizon), state=Notification.State.DONE
    ).filter(
        ~Exists(Delivery.objects.filter(notification=OuterRef("pk"))),
        ~Exists(InboxItem.objects.filter(notification=OuterRef("pk"))),
    )
    notifications = delete_in_batches(spent)
    return Purged(deliveries=deliveries, inbox_items=inbox_items, notifications=notifications)
