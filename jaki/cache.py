"""The cache in front of Redis, and what it does while Redis is unreachable.

Every request reads the cache (the session check, throttles, the office of a point), so an
unreachable Redis must not turn reads into errors. While Redis is down this backend answers
reads and ordinary writes from a memory cache of this process: throttles become per-process
limits (never none: the login-code counters included), cached lookups fall back to the
database. Each outage is logged once when it starts and once when it ends, and Redis is tried
again every CACHE_RETRY_SECONDS rather than on every call.

Invalidations are different: a `delete` that cannot reach Redis would leave other processes
trusting a stale entry (a session that was ended, a login code that was spent). Those raise
`DependencyUnavailable`, which the API answers with a 503 and Retry-After, and the caller's
transaction rolls back, so nothing is half-done.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis.exceptions
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

from jaki.faults import DependencyUnavailable

logger = logging.getLogger(__name__)

REDIS_FAULTS = (
    redis.exceptions.ConnectionError,  # TimeoutError and MaxConnectionsError are subclasses
    redis.exceptions.TimeoutError,
    ConnectionInterrupted,
    OSError,
)
# An entry written to the fallback lives at most this long: when Redis is back, the other
# processes' view wins again soon.
FALLBACK_MAX_TIMEOUT = 60
# Where each writing call takes its timeout (position, keyword).
TIMEOUT_AT = {"set": 2, "add": 2, "set_many": 1, "touch": 1}


def _capped(position: int, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The call's arguments with its timeout held to FALLBACK_MAX_TIMEOUT (None, "forever",
    and Django's DEFAULT_TIMEOUT sentinel included)."""
    args, kwargs = list(args), dict(kwargs)
    timeout = args[position] if len(args) > position else kwargs.get("timeout")
    if not isinstance(timeout, int | float) or timeout > FALLBACK_MAX_TIMEOUT:
        timeout = FALLBACK_MAX_TIMEOUT
    if len(args) > position:
        args[position] = timeout
    else:
        kwargs["timeout"] = timeout
    return tuple(args), kwargs


class _Outage:
    """Whether this process finds Redis down, and when to try it again; logs each change once."""

    def __init__(self) -> None:
        self.down = False
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def went_down(self, exc: BaseException) -> None:
        with self._lock:
            first, self.down = not self.down, True
            self.retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS
        if first:
            logger.warning(
                "Redis is unreachable (%s: %s): the cache answers from this process's memory "
                "(throttles are per process) until it is back.",
                exc.__class__.__name__,
                exc,
            )

    def came_back(self) -> None:
        with self._lock:
            was_down, self.down, self.retry_at = self.down, False, 0.0
        if was_down:
            logger.warning("Redis is reachable again: the cache is shared again.")


_outages: dict[str, _Outage] = {}


class ResilientRedisCache(RedisCache):
    """django-redis's cache with a per-process fallback for reads and writes (module docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # Django builds a cache object per thread; the fallback's memory (LocMemCache shares
        # it by name) and the outage state are the process's.
        self._fallback = LocMemCache(
            f"jaki-cache-fallback:{server}", {"OPTIONS": {"MAX_ENTRIES": 10_000}}
        )
        self._outage = _outages.setdefault(server, _Outage())

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._outage.retry_at

    def _went_down(self, exc: BaseException) -> None:
        self._outage.went_down(exc)

    def _came_back(self) -> None:
        if self._outage.down:
            self._outage.came_back()

    def _degrading(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self.is_down:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except REDIS_FAULTS as exc:
                self._went_down(exc)
            else:
                self._came_back()
                return result
        if name in TIMEOUT_AT:
            args, kwargs = _capped(TIMEOUT_AT[name], args, kwargs)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _strict(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.is_down:
            raise DependencyUnavailable("cache")
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except REDIS_FAULTS as exc:
            self._went_down(exc)
            raise DependencyUnavailable("cache") from exc
        self._came_back()
        getattr(self._fallback, name)(*args, **kwargs)  # nothing stale here either
        return result

    def ping(self) -> None:
        """Redis itself answers (readiness and `doctor` ask Redis, never the fallback)."""
        try:
            self.client.get_client(write=True).ping()
        except REDIS_FAULTS as exc:
            self._went_down(exc)
            raise
        self._came_back()

    # Reads and ordinary writes degrade to this process's memory.
    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("get", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("has_key", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("set", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("set_many", *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("add", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("incr", *args, **kwargs)

    def decr(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("decr", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._degrading("touch", *args, **kwargs)

    # Invalidations must reach every process, or not happen at all.
    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._strict("delete", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._strict("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._strict("clear")
