"""Housekeeping for accounts, run by beat (see jaki/celery.py)."""

from datetime import timedelta

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from jaki.accounts.models import OTPCode


@shared_task(name="jaki.accounts.tasks.purge_expired_otp_codes")
def purge_expired_otp_codes() -> int:
    """Delete codes past both their expiry and the per-phone rate window."""
    from django.conf import settings

    horizon = timezone.now() - timedelta(
        seconds=max(settings.OTP_TTL_SECONDS, settings.OTP_PHONE_WINDOW_SECONDS)
    )
    deleted, _ = OTPCode.objects.filter(created_at__lt=horizon).delete()
    return deleted


@shared_task(name="jaki.accounts.tasks.flush_expired_tokens")
def flush_expired_tokens() -> None:
    call_command("flushexpiredtokens")
