"""Redis down, against the real server and a Redis of the test's own.

Residents: reads keep answering (the map, their profile, their inbox); a login code can still be
asked for, under a per-process limit. Signing out (which must reach every process) answers 503
with Retry-After and leaves the session as it was. Officers: the same in the API; the log says
once that Redis went and once that it came back. It heals by itself: no process restarts."""

import pytest

from tests.servers import run_asgi_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PHONE = "081234567890"
MONAS = "/api/v1/regions/locate/?lat=-6.1754&lon=106.8272"


@pytest.fixture
def server(own_redis, demo_regions, tmp_path):
    env = {
        "REDIS_URL": own_redis.url,
        "CACHE_RETRY_SECONDS": "0.2",
        "THROTTLE_OTP_IP": "3/hour",
    }
    with run_asgi_server(tmp_path / "server.log", env=env) as running:
        yield running


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access']}"}


def test_reads_answer_and_sign_out_waits_while_redis_is_down_and_all_heals_after(server, own_redis):
    tokens = server.login(PHONE)
    own_redis.stop()

    assert server.get(MONAS).status == 200
    assert server.get("/api/v1/me/", headers=bearer(tokens)).status == 200
    assert server.get("/api/v1/notifications/", headers=bearer(tokens)).status == 200

    logout = server.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, **_auth(tokens))
    assert logout.status == 503
    assert logout.headers["retry-after"] == "10"
    assert logout.json()["error"]["code"] == "service_unavailable"
    # Nothing half-done: the session still stands, everywhere.
    assert server.get("/api/v1/me/", headers=bearer(tokens)).status == 200

    own_redis.start()
    _until(
        lambda: (
            server.post(
                "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, **_auth(tokens)
            ).status
            < 300
        )
    )
    assert server.get("/api/v1/me/", headers=bearer(tokens)).status == 401

    log = server.log()
    assert log.count("Redis is unreachable") == 1
    assert "Redis is reachable again" in log
    assert " 500 " not in log and "Traceback" not in log


def test_login_codes_keep_a_per_process_limit_while_redis_is_down(server, own_redis):
    own_redis.stop()

    answers = [server.post("/api/v1/auth/otp/", {"phone": PHONE}).status for _ in range(5)]

    # 3 an hour per address: the limit holds in this process's memory, it does not fail open.
    assert answers[:3] == [202, 202, 202]
    assert answers[3:] == [429, 429]


def _auth(tokens: dict) -> dict:
    return {"headers": bearer(tokens)}


def _until(check, attempts: int = 50) -> None:
    """The cache tries Redis again every CACHE_RETRY_SECONDS (0.2 s here)."""
    import time

    for _ in range(attempts):
        if check():
            return
        time.sleep(0.1)  # the server's retry interval, not a race
    raise AssertionError("the server did not recover")


def test_feed_connects_are_refused_cleanly_while_redis_is_down_and_open_after(server, own_redis):
    from websockets.exceptions import InvalidStatus

    tokens = server.login(PHONE)
    own_redis.stop()

    with pytest.raises(InvalidStatus) as refused:
        server.websocket(f"/ws/feed/?token={tokens['access']}").close()
    assert refused.value.response.status_code == 503, server.log()[-3000:]

    own_redis.start()
    with server.websocket(f"/ws/feed/?token={tokens['access']}") as feed:
        feed.send('{"type": "ping"}')
        assert "pong" in feed.recv(timeout=10)
