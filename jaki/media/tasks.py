from celery import shared_task

from jaki.media.services import media_purge_orphans


@shared_task
def purge_orphan_media() -> int:
    """Beat: files left by a transaction that rolled back after the intake wrote them."""
    return media_purge_orphans()
