"""The resident's own account: read, change, erase."""

import pytest

from jaki.accounts.models import OTPCode, User
from jaki.idempotency.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

PHONE = "081234567890"


def bearer(tokens: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}


def test_me_needs_a_signed_in_user(api_client):
    for method in ("get", "patch", "delete"):
        response = getattr(api_client, method)("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_resident_changes_name_and_language(api_client, login):
    tokens = login(PHONE)

    response = api_client.patch(
        "/api/v1/me/", {"name": " Siti Rahma ", "language": "en"}, **bearer(tokens)
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Siti Rahma"
    assert response.json()["language"] == "en"


def test_the_phone_cannot_be_changed_through_me(api_client, login):
    tokens = login(PHONE)

    api_client.patch("/api/v1/me/", {"phone": "+6281111111111"}, **bearer(tokens))

    assert User.objects.get().phone == "+6281234567890"


def test_it_refuses_an_unknown_language(api_client, login):
    tokens = login(PHONE)

    response = api_client.patch("/api/v1/me/", {"language": "fr"}, **bearer(tokens))

    assert response.status_code == 400
    assert "language" in response.json()["error"]["fields"]


def test_deleting_my_account_erases_personal_data_and_revokes_tokens(api_client, login):
    tokens = login(PHONE)
    api_client.patch("/api/v1/me/", {"name": "Siti Rahma"}, **bearer(tokens))

    response = api_client.delete("/api/v1/me/", **bearer(tokens))

    assert response.status_code == 204
    user = User.objects.get()
    assert user.phone is None
    assert user.name == ""
    assert user.erased_at is not None
    assert not user.is_active
    assert not OTPCode.objects.exists()
    assert api_client.get("/api/v1/me/", **bearer(tokens)).status_code == 401
    refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refresh.status_code == 401


def test_erasure_forgets_the_replies_kept_for_idempotency_keys(api_client, login):
    tokens = login(PHONE)
    device = {"token": "fcm-token-of-siti", "platform": "android"}
    api_client.post("/api/v1/devices/", device, HTTP_IDEMPOTENCY_KEY="k-1", **bearer(tokens))
    assert IdempotencyRecord.objects.exists()

    api_client.delete("/api/v1/me/", **bearer(tokens))

    assert not IdempotencyRecord.objects.exists()


def test_after_erasure_the_same_phone_starts_a_new_account(api_client, login):
    first = login(PHONE)
    api_client.delete("/api/v1/me/", **bearer(first))

    second = login(PHONE)

    assert second["user"]["id"] != first["user"]["id"]
    assert User.objects.count() == 2


def test_me_costs_a_resident_one_query(api_client, login, django_assert_num_queries):
    tokens = login(PHONE)
    api_client.get("/api/v1/me/", **bearer(tokens))  # the session's open state is now cached

    # The user, with the knowledge that they hold no role: no roles query.
    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/me/", **bearer(tokens))

    assert response.status_code == 200
    assert response.json()["roles"] == []


def test_me_shows_a_staff_members_roles_and_organisation_in_two_queries(
    as_user, django_assert_num_queries
):
    from jaki.accounts.models import Role
    from tests.accounts.factories import StaffFactory

    officer = StaffFactory(role=Role.COMPLAINT_TRIAGE)
    client = as_user(officer)

    # The user with their organisation, then their roles.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/me/")

    assert response.json()["roles"] == [Role.COMPLAINT_TRIAGE.value]
    assert response.json()["organisation"]["code"] == officer.organisation.code
