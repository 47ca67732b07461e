"""The conventions every endpoint shares: error shape, 404s, 500s, idempotency, language."""

import pytest
from rest_framework.test import APIClient

from jaki.accounts.models import Organisation
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    return user


def test_an_unknown_path_under_api_is_a_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Data tidak ditemukan."}}


def test_errors_speak_the_requested_language(api_client):
    response = api_client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["error"]["message"] == "Not found."


def test_a_wrong_method_is_a_405_in_the_error_shape(api_client):
    response = api_client.put("/api/v1/auth/otp/", {})

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_a_400_parse_error(api_client):
    response = api_client.post(
        "/api/v1/auth/otp/", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_wrong_content_type_is_a_415(api_client):
    response = api_client.post("/api/v1/auth/otp/", data="phone=1", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.urls("tests.platform.urls")
def test_a_bug_in_production_is_a_500_in_the_error_shape(settings):
    settings.DEBUG = False
    client = APIClient(raise_request_exception=False)

    for path in ("/api/test/broken/", "/api/test/broken-plain/"):
        response = client.get(path)
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "server_error"
        assert "a bug" not in response.content.decode()


@pytest.mark.urls("tests.platform.urls")
def test_the_same_idempotency_key_replays_the_first_result(api_client, resident):
    headers = {"HTTP_IDEMPOTENCY_KEY": "c0ffee-1"}

    first = api_client.post("/api/test/organisations/", {"code": "a"}, **headers)
    retry = api_client.post("/api/test/organisations/", {"code": "a"}, **headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Organisation.objects.count() == 1


@pytest.mark.urls("tests.platform.urls")
def test_idempotency_keys_belong_to_one_user(api_client, resident):
    api_client.post("/api/test/organisations/", {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")
    api_client.force_authenticate(UserFactory())

    response = api_client.post("/api/test/organisations/", {"code": "b"}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 201
    assert Organisation.objects.count() == 2


@pytest.mark.urls("tests.platform.urls")
def test_a_key_reused_for_another_body_is_refused(api_client, resident):
    api_client.post("/api/test/organisations/", {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k")

    response = api_client.post("/api/test/organisations/", {"code": "b"}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Organisation.objects.count() == 1


@pytest.mark.urls("tests.platform.urls")
def test_a_failed_request_does_not_use_up_its_key(api_client, resident):
    bad = api_client.post(
        "/api/test/organisations/", {"code": "not a slug"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    good = api_client.post("/api/test/organisations/", {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k2")

    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["code"]
    assert good.status_code == 201


@pytest.mark.urls("tests.platform.urls")
def test_without_a_key_each_post_creates(api_client, resident):
    api_client.post("/api/test/organisations/", {"code": "a"})
    api_client.post("/api/test/organisations/", {"code": "b"})

    assert Organisation.objects.count() == 2


@pytest.mark.urls("tests.platform.urls")
def test_an_overlong_key_is_refused(api_client, resident):
    response = api_client.post(
        "/api/test/organisations/", {"code": "a"}, HTTP_IDEMPOTENCY_KEY="k" * 300
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
