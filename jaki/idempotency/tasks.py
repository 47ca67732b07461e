"""Housekeeping for idempotency records, run by beat (see jaki/celery.py)."""

from celery import shared_task

from jaki.idempotency import services


@shared_task(name="jaki.idempotency.tasks.purge_expired_idempotency_records")
def purge_expired_idempotency_records() -> int:
    return services.idempotency_purge_expired()
