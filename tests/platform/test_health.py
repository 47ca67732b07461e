import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings


def test_healthz_answers_without_a_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_every_dependency_a_request_needs(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": dict.fromkeys(["database", "cache", "broker", "channel_layer", "storage"], "ok"),
    }


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_names_an_unreachable_redis(client):
    unreachable = {
        "default": {
            "BACKEND": "jaki.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    with override_settings(CACHES=unreachable):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


@pytest.mark.django_db
def test_doctor_prints_every_dependency(settings):
    settings.SMS_BACKEND = "jaki.accounts.sms.ConsoleSMSBackend"
    out = io.StringIO()

    call_command("doctor", stdout=out)

    lines = out.getvalue().splitlines()
    names = [line.split()[1] for line in lines]
    assert names == ["database", "cache", "broker", "channel_layer", "storage", "fcm", "sms"]
    assert all(line.startswith("ok") for line in lines)


@pytest.mark.django_db
def test_doctor_fails_and_says_what_is_missing(settings):
    settings.SMS_BACKEND = "jaki.accounts.sms.HTTPGatewaySMSBackend"
    settings.SMS_GATEWAY_URL = ""
    out = io.StringIO()

    with pytest.raises(CommandError, match="sms"):
        call_command("doctor", stdout=out)

    assert "SMS_GATEWAY_URL" in out.getvalue()
