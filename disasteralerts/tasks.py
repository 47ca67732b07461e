"""Celery tasks: thin wrappers over services."""

from celery import shared_task

from disasteralerts import services


@shared_task(name="disasteralerts.tasks.expire_alerts")
def expire_alerts() -> int:
    """Mark warnings past `expires` as expired (beat, every minute). Idempotent."""
    return services.alerts_expire()
