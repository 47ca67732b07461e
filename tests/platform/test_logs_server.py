"""No credential reaches the logs: a whole session against the real ASGI server, its output
scanned (uvicorn's access log included)."""

import re

import pytest

from tests.servers import CODE_IN_SMS

pytestmark = pytest.mark.postgres

PHONE = "081234567890"
JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")


def test_no_token_or_code_appears_in_the_servers_logs(asgi_server):
    tokens = asgi_server.login(PHONE)
    code = CODE_IN_SMS.findall(asgi_server.log())[-1]
    bearer = {"Authorization": f"Bearer {tokens['access']}"}
    assert asgi_server.get("/api/v1/me/", headers=bearer).status == 200
    rotated = asgi_server.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert rotated.status == 200
    rotated = rotated.json()
    with asgi_server.websocket(f"/ws/feed/?token={rotated['access']}") as ws:
        ws.send('{"type": "ping"}')
        ws.recv(timeout=5)
    assert asgi_server.get(f"/api/v1/me/?token={rotated['access']}").status == 401
    logout = asgi_server.post(
        "/api/v1/auth/logout/",
        {"refresh": rotated["refresh"]},
        headers={"Authorization": f"Bearer {rotated['access']}"},
    )
    assert logout.status == 204

    lines = [line for line in asgi_server.log().splitlines() if " jaki.sms " not in line]
    assert any("/ws/feed/?token=" in line for line in lines), "the access log is written"
    secrets = [tokens["access"], tokens["refresh"], rotated["access"], rotated["refresh"], code]
    leaks = [line for line in lines if JWT.search(line) or any(s in line for s in secrets)]
    assert leaks == []
