"""Retention: how apps purge what would otherwise grow without bound (each app owns its purge,
in its services.py, run by its beat task; the ages are settings, RETENTION_*)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet


def delete_in_batches(rows: QuerySet, *, batch_size: int | None = None) -> int:
    """Delete `rows` RETENTION_BATCH_SIZE at a time, each batch its own short statement (and
    transaction, in autocommit), so a purge of a big table never holds a long lock or one
    huge delete. Returns how many rows of `rows`' model went. Give it a filter an index serves:
    each batch reads its ids afresh."""
    size = batch_size or settings.RETENTION_BATCH_SIZE
    model = rows.model
    deleted = 0
    while True:
        ids = list(rows.values_list("pk", flat=True)[:size])
        if not ids:
            return deleted
        _total, per_model = model.objects.filter(pk__in=ids).delete()
        deleted += per_model.get(model._meta.label, 0)
        if len(ids) < size:
            return deleted
