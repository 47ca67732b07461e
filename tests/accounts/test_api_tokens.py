"""Refresh rotation, logout and expiry of the JWT pair."""

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db

PHONE = "081234567890"


def bearer(tokens: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}


def test_the_access_token_opens_my_account(api_client, login):
    tokens = login(PHONE)

    response = api_client.get("/api/v1/me/", **bearer(tokens))

    assert response.status_code == 200
    assert response.json()["phone"] == "+6281234567890"


def test_refresh_rotates_the_pair_and_retires_the_old_refresh(api_client, login):
    tokens = login(PHONE)

    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    again = api_client.post("/api/v1/auth/token/refresh/", {"refresh": rotated.json()["refresh"]})

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != tokens["refresh"]
    assert again.status_code == 200
    assert api_client.get("/api/v1/me/", **bearer(again.json())).status_code == 200


def test_replaying_a_rotated_refresh_token_ends_the_whole_session(api_client, login):
    tokens = login(PHONE)
    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}).json()

    replay = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})

    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"
    newer = api_client.post("/api/v1/auth/token/refresh/", {"refresh": rotated["refresh"]})
    assert newer.status_code == 401
    assert api_client.get("/api/v1/me/", **bearer(rotated)).status_code == 401
    assert api_client.get("/api/v1/me/", **bearer(tokens)).status_code == 401


def test_a_replay_ends_only_that_session(api_client, login):
    phone = login(PHONE)
    tablet = login(PHONE)
    api_client.post("/api/v1/auth/token/refresh/", {"refresh": phone["refresh"]})

    api_client.post("/api/v1/auth/token/refresh/", {"refresh": phone["refresh"]})

    assert api_client.get("/api/v1/me/", **bearer(tablet)).status_code == 200
    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tablet["refresh"]})
    assert rotated.status_code == 200


def test_after_logout_the_access_token_is_refused_at_once(api_client, login):
    tokens = login(PHONE)
    other_session = login(PHONE)

    api_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, **bearer(tokens))

    response = api_client.get("/api/v1/me/", **bearer(tokens))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
    assert api_client.get("/api/v1/me/", **bearer(other_session)).status_code == 200


def test_logout_everywhere_ends_every_session(api_client, login):
    phone = login(PHONE)
    tablet = login(PHONE)

    response = api_client.post(
        "/api/v1/auth/logout/", {"refresh": phone["refresh"], "everywhere": True}, **bearer(phone)
    )

    assert response.status_code == 204
    for session in (phone, tablet):
        assert api_client.get("/api/v1/me/", **bearer(session)).status_code == 401
        refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": session["refresh"]})
        assert refresh.status_code == 401


def test_erasure_ends_every_session(api_client, login):
    phone = login(PHONE)
    tablet = login(PHONE)

    assert api_client.delete("/api/v1/me/", **bearer(phone)).status_code == 204

    assert api_client.get("/api/v1/me/", **bearer(tablet)).status_code == 401
    refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tablet["refresh"]})
    assert refresh.status_code == 401


def test_logout_retires_the_refresh_token(api_client, login):
    tokens = login(PHONE)

    response = api_client.post(
        "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, **bearer(tokens)
    )
    after = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert after.status_code == 401


def test_logout_needs_a_signed_in_user(api_client, login):
    tokens = login(PHONE)

    response = api_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_nobody_can_log_out_someone_else(api_client, login):
    mine = login(PHONE)
    theirs = login("081298765432")

    response = api_client.post(
        "/api/v1/auth/logout/", {"refresh": theirs["refresh"]}, **bearer(mine)
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "token_not_valid"
    assert (
        api_client.post("/api/v1/auth/token/refresh/", {"refresh": theirs["refresh"]}).status_code
        == 200
    )


def test_logout_refuses_garbage(api_client, login):
    tokens = login(PHONE)

    response = api_client.post("/api/v1/auth/logout/", {"refresh": "nonsense"}, **bearer(tokens))

    assert response.status_code == 400


def test_the_access_token_expires_after_fifteen_minutes(api_client, login):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        tokens = login(PHONE)
        traveller.shift(14 * 60)
        assert api_client.get("/api/v1/me/", **bearer(tokens)).status_code == 200

        traveller.shift(2 * 60)
        response = api_client.get("/api/v1/me/", **bearer(tokens))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_the_refresh_token_expires_after_thirty_days(api_client, login):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        tokens = login(PHONE)
        traveller.shift(31 * 86400)

        response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer ", "Token abc", "Bearer a.b.c"],
)
def test_bad_tokens_get_a_clear_401(api_client, header):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {
        "token_not_valid",
        "not_authenticated",
        "bad_authorization_header",
        "authentication_failed",
    }
    assert response.json()["error"]["message"]


def test_refresh_refuses_a_missing_token(api_client):
    response = api_client.post("/api/v1/auth/token/refresh/", {})

    assert response.status_code == 400
    assert "refresh" in response.json()["error"]["fields"]


def test_a_refresh_token_from_before_sessions_rotates_into_a_session(api_client, resident):
    from rest_framework_simplejwt.tokens import RefreshToken

    legacy = str(RefreshToken.for_user(resident))  # no sid claim
    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": legacy}).json()

    newer = api_client.post("/api/v1/auth/token/refresh/", {"refresh": rotated["refresh"]})
    newer_replayed = api_client.post("/api/v1/auth/token/refresh/", {"refresh": rotated["refresh"]})

    assert newer.status_code == 200
    assert newer_replayed.status_code == 401
    assert api_client.get("/api/v1/me/", **bearer(newer.json())).status_code == 401


def test_an_open_sessions_check_is_answered_by_the_cache(
    api_client, login, django_assert_num_queries
):
    tokens = login(PHONE)
    api_client.get("/api/v1/me/", **bearer(tokens))

    with django_assert_num_queries(1):  # the user, knowing they hold no role; no session row
        assert api_client.get("/api/v1/me/", **bearer(tokens)).status_code == 200
