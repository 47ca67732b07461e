"""Housekeeping for accounts, run by beat (see jaki/celery.py)."""

from celery import shared_task

from jaki.accounts import services


@shared_task(name="jaki.accounts.tasks.purge_expired")
def purge_expired() -> dict[str, int]:
    """Retention: expired login codes, sessions, JWTs and admin login records."""
    return services.accounts_purge_expired()
