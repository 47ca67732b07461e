"""The Idempotency-Key record is durable and shared: in the database, not in a process's memory
or the cache; pending only for a request's lifetime; purged once expired."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from jaki.accounts.models import Organisation
from jaki.idempotency.models import IdempotencyRecord
from jaki.idempotency.tasks import purge_expired_idempotency_records
from tests.accounts.factories import UserFactory
from tests.idempotency.factories import IdempotencyRecordFactory
from tests.platform.urls import RELEASE_HELD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.platform.urls")]

URL = "/api/test/organisations/"


@pytest.fixture
def client(api_client, resident):
    api_client.force_authenticate(resident)
    return api_client


def test_a_replay_needs_no_cache_and_no_shared_process_memory(client):
    first = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")
    cache.clear()  # another process, or a cache that lost everything
    retry = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Organisation.objects.count() == 1


def test_a_request_killed_mid_way_blocks_its_key_only_for_the_lease(client, settings):
    settings.IDEMPOTENCY_PENDING_SECONDS = 60
    with pytest.raises(SystemExit):
        client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k", HTTP_X_TEST_CRASH="exit")
    assert Organisation.objects.count() == 0  # its half-done work went with it

    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        still_running = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        retry = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")
        replay = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")

    assert still_running.status_code == 409
    assert still_running.json()["error"]["code"] == "idempotency_key_in_flight"
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert replay["Idempotent-Replayed"] == "true"
    assert Organisation.objects.count() == 1


def test_a_server_error_is_not_kept_and_its_work_is_undone(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False

    failed = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k", HTTP_X_TEST_CRASH="bug")
    retry = client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")

    assert failed.status_code == 500
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Organisation.objects.count() == 1


def test_a_key_whose_record_expired_runs_again(client, settings):
    settings.IDEMPOTENCY_TTL_SECONDS = 3600
    client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        again = client.post(URL, {"code": "b"}, HTTP_IDEMPOTENCY_KEY="k")

    assert again.status_code == 201
    assert Organisation.objects.count() == 2


def test_expired_records_are_purged_and_live_ones_kept():
    now = timezone.now()
    live = IdempotencyRecordFactory(created_at=now)
    IdempotencyRecordFactory(created_at=now - timedelta(days=2))

    assert purge_expired_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.all()) == [live]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_make_one_record_and_one_result():
    user = UserFactory()
    start = threading.Barrier(4)
    responses = []

    def post() -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            start.wait()
            responses.append(client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k"))
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Organisation.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    others = [r for r in responses if r not in created]
    assert len(created) == 1
    for response in others:  # a replay of the one result, or "still running"
        assert (response.status_code, response.get("Idempotent-Replayed")) in {
            (201, "true"),
            (409, None),
        }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_that_outlives_its_lease_is_undone_when_a_retry_took_its_key(settings):
    settings.IDEMPOTENCY_PENDING_SECONDS = 60
    user = UserFactory()
    RELEASE_HELD.clear()
    slow = []

    def post_slowly() -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            slow.append(
                client.post(URL, {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k", HTTP_X_TEST_CRASH="hold")
            )
        finally:
            connection.close()

    thread = threading.Thread(target=post_slowly)
    thread.start()
    try:
        deadline = timezone.now() + timedelta(seconds=10)
        while not IdempotencyRecord.objects.exists() and timezone.now() < deadline:
            threading.Event().wait(0.05)  # wait for the slow request to hold the key
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            client = APIClient()
            client.force_authenticate(user)
            retry = client.post(URL, {"code": "b"}, HTTP_IDEMPOTENCY_KEY="k")
    finally:
        RELEASE_HELD.set()
        thread.join()

    assert retry.status_code == 201
    assert slow[0].status_code == 409
    assert list(Organisation.objects.values_list("code", flat=True)) == ["b"]
    replay = client.post(URL, {"code": "b"}, HTTP_IDEMPOTENCY_KEY="k")
    assert replay["Idempotent-Replayed"] == "true"
