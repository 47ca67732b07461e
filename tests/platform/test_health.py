import pytest
from django.test import override_settings


def test_healthz_answers_without_a_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_storage(client, settings):
    response = client.get("/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["storage"] == "ok"
    if settings.REDIS_URL:
        assert checks["redis"] == "ok"


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_reports_an_unreachable_redis(client):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    with override_settings(CACHES=unreachable):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"
