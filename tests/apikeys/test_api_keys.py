"""API keys as machines use them: through a real endpoint guarded by HasScope."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from jaki.apikeys.models import ApiKey
from jaki.apikeys.services import api_key_create, api_key_revoke
from jaki.audit.models import AuditEntry
from jaki.idempotency.models import IdempotencyRecord
from jaki.logging import redact
from tests.apikeys.urls import READ, WRITE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.apikeys.urls")]

URL = "/api/test/machine/"


def _key(*scopes: str, **fields) -> tuple[ApiKey, str]:
    issued = api_key_create(name="Stasiun Bundaran HI", scopes=list(scopes or [READ]), **fields)
    return issued.api_key, issued.plaintext


def test_a_key_with_the_scope_is_let_in_as_a_machine_not_a_person(api_client):
    _, plaintext = _key(READ)

    response = api_client.get(URL, HTTP_X_API_KEY=plaintext)

    assert response.status_code == 200
    assert response.json() == {
        "key": "Stasiun Bundaran HI",
        "user_authenticated": False,
        "station_allowed": True,
    }


def test_a_key_without_the_scope_is_forbidden(api_client):
    _, plaintext = _key(WRITE)

    response = api_client.get(URL, HTTP_X_API_KEY=plaintext)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_missing_key_is_401_and_says_which_header(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "X-Api-Key"
    assert "X-Api-Key" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "garble",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # wrong secret
        lambda key: "jaki_000000000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: "not-a-key",
        lambda key: "jaki_",
        lambda key: "jaki_" + "a" * 300,
        lambda key: key.replace("jaki_", "JAKI_"),
    ],
)
def test_an_unknown_or_garbled_key_is_401(api_client, garble):
    _, plaintext = _key(READ)

    response = api_client.get(URL, HTTP_X_API_KEY=garble(plaintext))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_revoked_key_is_401(api_client):
    api_key, plaintext = _key(READ)
    assert api_key_revoke(api_key=api_key, actor=None)

    response = api_client.get(URL, HTTP_X_API_KEY=plaintext)

    assert response.status_code == 401


def test_an_expired_key_is_401(api_client):
    _, plaintext = _key(READ, expires_at=timezone.now() + timedelta(days=1))

    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = api_client.get(URL, HTTP_X_API_KEY=plaintext)

    assert response.status_code == 401


def test_last_use_is_recorded_but_not_rewritten_within_a_minute(api_client):
    api_key, plaintext = _key(READ)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        api_client.get(URL, HTTP_X_API_KEY=plaintext)
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        api_client.get(URL, HTTP_X_API_KEY=plaintext)
    within_a_minute = ApiKey.objects.get(pk=api_key.pk).last_used_at
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_client.get(URL, HTTP_X_API_KEY=plaintext)
    later = ApiKey.objects.get(pk=api_key.pk).last_used_at

    assert first == start
    assert within_a_minute == start
    assert later == start + timedelta(seconds=61)


def test_a_key_within_a_minute_of_its_last_use_costs_no_write(
    api_client, django_assert_num_queries
):
    _, plaintext = _key(READ)
    api_client.get(URL, HTTP_X_API_KEY=plaintext)

    with django_assert_num_queries(1):  # the key's row, read; nothing written
        assert api_client.get(URL, HTTP_X_API_KEY=plaintext).status_code == 200


def test_each_key_has_its_own_throttle_at_its_own_rate(api_client, throttle_rates):
    throttle_rates(api_key="3/min")
    _, default_rate = _key(READ)
    _, own_rate = _key(READ, rate="5/min")

    default_statuses = [
        api_client.get(URL, HTTP_X_API_KEY=default_rate).status_code for _ in range(4)
    ]
    own_statuses = [api_client.get(URL, HTTP_X_API_KEY=own_rate).status_code for _ in range(6)]

    assert default_statuses == [200, 200, 200, 429]
    assert own_statuses == [200] * 5 + [429]
    response = api_client.get(URL, HTTP_X_API_KEY=own_rate)
    assert response.json()["error"]["code"] == "throttled"


def test_a_key_limited_to_resources_allows_only_those(api_client):
    _, plaintext = _key(READ, resources=["DKI1"])

    allowed = api_client.get(URL, {"station": "DKI1"}, HTTP_X_API_KEY=plaintext).json()
    other = api_client.get(URL, {"station": "DKI2"}, HTTP_X_API_KEY=plaintext).json()

    assert allowed["station_allowed"] is True
    assert other["station_allowed"] is False


def test_the_key_never_reaches_the_logs(api_client, caplog):
    api_key, plaintext = _key(READ)
    api_key_revoke(api_key=api_key, actor=None)

    with caplog.at_level(logging.DEBUG):
        api_client.get(URL, HTTP_X_API_KEY=plaintext)  # refused: Django logs a warning
        api_client.get(URL, {"api_key": plaintext})

    assert caplog.records  # the refusals were logged…
    assert plaintext.split("_", 2)[2] not in caplog.text  # …without the key


def test_log_lines_mask_keys_in_headers_and_anywhere_else():
    _, plaintext = _key(READ)

    assert plaintext not in redact(f"X-Api-Key: {plaintext}")
    assert redact(f"client sent {plaintext} twice") == "client sent [api-key] twice"
    assert plaintext not in redact(f'{{"api_key": "{plaintext}"}}')


def test_the_database_holds_no_plaintext():
    api_key, plaintext = _key(READ)
    secret = plaintext.split("_", 2)[2]

    row = ApiKey.objects.filter(pk=api_key.pk).values().get()

    assert all(secret not in str(value) for value in row.values())
    assert row["secret_hash"] != secret


def test_idempotent_writes_replay_per_key(api_client):
    _, first_key = _key(WRITE)
    _, second_key = _key(WRITE)
    headers = {"HTTP_IDEMPOTENCY_KEY": "batch-1"}

    first = api_client.post(
        URL + "write/", {"code": "dinas-satu"}, HTTP_X_API_KEY=first_key, **headers
    )
    replay = api_client.post(
        URL + "write/", {"code": "dinas-satu"}, HTTP_X_API_KEY=first_key, **headers
    )
    other_key = api_client.post(
        URL + "write/", {"code": "dinas-dua"}, HTTP_X_API_KEY=second_key, **headers
    )

    assert first.status_code == replay.status_code == other_key.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert other_key.json() != first.json()
    assert IdempotencyRecord.objects.filter(user=None).count() == 2


def test_creation_and_revocation_are_audited():
    api_key, _ = _key(READ)
    api_key_revoke(api_key=api_key, actor=None)
    api_key_revoke(api_key=api_key, actor=None)  # already revoked: nothing more

    actions = list(
        AuditEntry.objects.filter(obj_kind="apikeys.apikey", obj_id=str(api_key.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )

    assert actions == ["apikey.created", "apikey.revoked"]


def test_the_command_prints_the_key_once_and_refuses_unknown_scopes(api_client, capsys):
    call_command("api_key_create", "Open311 Kota", "--scope", READ, "--expires-days", "30")
    plaintext = capsys.readouterr().out.strip()

    api_key = ApiKey.objects.get(name="Open311 Kota")
    assert api_key.scopes == [READ]
    assert api_key.expires_at > timezone.now() + timedelta(days=29)
    assert api_client.get(URL, HTTP_X_API_KEY=plaintext).status_code == 200

    from django.core.management import CommandError

    with pytest.raises(CommandError, match="test:reed"):
        call_command("api_key_create", "Typo", "--scope", "test:reed")
    assert not ApiKey.objects.filter(name="Typo").exists()


def test_the_schema_documents_the_api_key_scheme(settings):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="tests.apikeys.urls").get_schema(request=None, public=True)

    assert schema["components"]["securitySchemes"]["apiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "A machine client's key, `jaki_<prefix>_<secret>`, issued by staff.",
    }
    operation = schema["paths"]["/api/test/machine/"]["get"]
    assert operation["security"] == [{"apiKeyAuth": []}]
