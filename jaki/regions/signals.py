"""Region writes (admin, load_regions, seed) invalidate the in-memory locate index.

The house keeps business logic out of signals; this is cache invalidation, the one job signals
do better than explicit calls: every path that saves or deletes a Region (admin, shell, a data
migration, a cascade) must drop the index, and one forgotten call would serve wrong answers
silently. Bulk writes send no signals, so their callers call `index.invalidate()` themselves.
"""

from typing import Any

from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from jaki.regions import index
from jaki.regions.models import Region


@receiver(post_save, sender=Region, dispatch_uid="regions.invalidate_on_save")
@receiver(post_delete, sender=Region, dispatch_uid="regions.invalidate_on_delete")
def invalidate_locate_index(sender: type[Region], **kwargs: Any) -> None:
    index.invalidate()


@receiver(setting_changed, dispatch_uid="regions.recheck_on_setting_change")
def recheck_locate_index(setting: str, **kwargs: Any) -> None:
    # The next check time was computed with the old interval (tests shorten it).
    if setting == "REGIONS_INDEX_CHECK_SECONDS":
        index.recheck_soon()
