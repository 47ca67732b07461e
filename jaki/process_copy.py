"""A copy of rarely changing data that each process keeps in memory, kept fresh across processes.

Some reads happen on nearly every request but change a few times a year: the locate index of
Jakarta's kelurahan, the catalogue of complaint categories. Reading them from the database, or
unpickling them from Redis, on every request costs more than the work they serve. A
`ProcessCopy` builds its value once per process and answers from memory; every
`check_seconds()` it reads one small shared version number from the cache and rebuilds when
another process moved it. A writer calls `invalidate()`: its own process rebuilds on the next
read, the others within their check interval after the write commits.

Threads share one copy: build values that nobody mutates.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import DEFERRED, Model

logger = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=Model)

_every: weakref.WeakSet[ProcessCopy] = weakref.WeakSet()


class ProcessCopy(Generic[T]):
    def __init__(
        self, *, version_key: str, build: Callable[[], T], check_seconds: Callable[[], float]
    ) -> None:
        self.version_key = version_key
        self.build = build
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._version: int | None = None
        self._check_after = 0.0  # time.monotonic() after which the shared version is re-read
        self._generation = 0  # bumped by every local invalidation
        _every.add(self)

    def get(self) -> T:
        """The value: from memory, rebuilt after a change here or (within the check interval)
        elsewhere."""
        value = self._value
        if value is not None and time.monotonic() < self._check_after:
            return value
        return self._refresh()

    def _refresh(self) -> T:
        with self._lock:
            value = self._value
            if value is not None and time.monotonic() < self._check_after:
                return value  # another thread refreshed while this one waited
            version = self._read_shared_version()
            check_after = time.monotonic() + self.check_seconds()
            if value is not None and version == self._version:
                self._check_after = check_after
                return value
            generation = self._generation
            value = self.build()
            if generation == self._generation:
                self._value, self._version, self._check_after = value, version, check_after
            # else a write landed while building: answer with this one, build again next call.
            return value

    def _read_shared_version(self) -> int | None:
        try:
            version = cache.get(self.version_key)
            if version is None:
                # Start from the clock, not 1, so a version lost with the cache is never reused.
                cache.add(self.version_key, time.time_ns(), timeout=None)
                version = cache.get(self.version_key)
            return version
        except Exception:  # the cache is down: keep answering from memory
            logger.warning("Cannot read %s from the cache.", self.version_key, exc_info=True)
            return None

    def invalidate(self) -> None:
        """The data changed: rebuild here on next use, and tell other processes once the
        change commits. Signals call it; so must the callers of bulk writes, which send none."""
        self.drop_local()
        transaction.on_commit(self._publish_change)

    def _publish_change(self) -> None:
        try:
            cache.incr(self.version_key)
        except ValueError:  # no version yet, or it was evicted
            cache.add(self.version_key, time.time_ns(), timeout=None)
        except Exception:
            logger.warning("Cannot bump %s in the cache.", self.version_key, exc_info=True)
        # A rebuild in this process between the write and the commit read the old rows.
        self.drop_local()

    def drop_local(self) -> None:
        """Forget this process's copy; the next read rebuilds it."""
        self._generation += 1
        self._value = None

    def recheck_soon(self) -> None:
        """Re-read the shared version on the next read (the check interval changed)."""
        self._check_after = 0.0


def drop_every_local_copy() -> None:
    """Forget every copy of this process: for tests, whose rolled-back writes send no signal
    that would."""
    for copy in list(_every):
        copy.drop_local()


def loaded_instance(model: type[M], **values) -> M:
    """A model instance as if read from the database with only `values` (by attname: `id`,
    `organisation_id`); its other fields are deferred, read on first access. For a row a
    copy holds as plain values, handed to code that expects the model."""
    fields = model._meta.concrete_fields
    row = [values.pop(f.attname, DEFERRED) for f in fields]
    if values:
        raise TypeError(f"{model.__name__} has no fields {sorted(values)}")
    return model.from_db(model.objects.db, [f.attname for f in fields], row)
