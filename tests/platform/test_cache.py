"""The Redis cache answers every request (session check, throttles): it must not rebuild its
client each call. Django's own backend built a redis.Redis per call, about half of each call's
CPU (redis-py fills a table of ~170 response callbacks in every constructor)."""

import pytest
import redis
from django.core.cache import cache


@pytest.mark.redis
def test_cache_calls_reuse_one_redis_client(monkeypatch):
    cache.get("warm-up")
    built = []
    constructor = redis.Redis.__init__

    def counting_constructor(self, *args, **kwargs):
        built.append(self)
        constructor(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_constructor)

    for _ in range(10):
        cache.set("throttle-history", [1.0, 2.0])
        cache.get("throttle-history")

    assert built == []
