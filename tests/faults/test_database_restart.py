"""PostgreSQL restarted under a running server (a cluster of the test's own, stopped at once
as a crash would, then started again).

Residents and officers: while it is down, a request that needs the database answers 503 with
Retry-After in the error shape (never a 500, never a traceback in the log); the very first
requests after it is back succeed, without restarting any process: the connections the server
held are checked and replaced (Django's health checks for persistent connections, the pool's
check for pooled ones)."""

import re

import pytest

from tests.servers import run_asgi_server, run_procfile_process

pytestmark = [pytest.mark.postgres]

PHONE = "081234567890"


def serve(kind: str, log_path, database_url: str):
    if kind == "make run":  # uvicorn, persistent connections
        return run_asgi_server(
            log_path, env={"DATABASE_URL": database_url, "DATABASE_CONN_MAX_AGE": "60"}
        )
    # deploy's web: line, granian with psycopg's pool
    return run_procfile_process(
        "web",
        log_path,
        env={"DATABASE_URL": database_url, "DATABASE_POOL_TIMEOUT": "2"},
        WEB_CONCURRENCY="1",
    )


@pytest.mark.parametrize("kind", ["make run", "deploy web"])
def test_requests_answer_503_while_postgresql_is_down_and_succeed_at_once_after(
    kind, demo_regions, own_postgres, tmp_path
):
    with serve(kind, tmp_path / "server.log", own_postgres.url) as server:
        tokens = server.login(PHONE)
        me = {"headers": {"Authorization": f"Bearer {tokens['access']}"}}
        for _ in range(8):  # every worker thread holds a connection now
            assert server.get("/api/v1/me/", **me).status == 200

        own_postgres.stop()
        down = [server.get("/api/v1/me/", **me) for _ in range(4)]
        own_postgres.start()
        after = [server.get("/api/v1/me/", **me).status for _ in range(8)]

        assert {answer.status for answer in down} == {503}
        assert down[0].headers["retry-after"] == "10"
        assert down[0].json()["error"]["code"] == "service_unavailable"
        assert after == [200] * 8
        log = server.log()
        assert "Database unavailable during GET /api/v1/me/" in log
        assert "Traceback" not in log


def test_no_operation_answers_500_while_postgresql_is_down(demo_regions, own_postgres, tmp_path):
    """Every operation of the schema, services' included, asked while the database is down:
    what needs it answers 503 with Retry-After, what does not still answers; none is a 500."""
    with serve("make run", tmp_path / "server.log", own_postgres.url) as server:
        tokens = server.login(PHONE)
        schema = server.get("/api/schema/?format=json").json()
        me = {"Authorization": f"Bearer {tokens['access']}"}
        own_postgres.stop()

        answers = {}
        for path, operations in schema["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
            for method in operations.keys() & {"get", "post", "put", "patch", "delete"}:
                answer = server.request(method.upper(), concrete, body={}, headers=me)
                answers[f"{method.upper()} {path}"] = answer
        own_postgres.start()

    assert [
        name for name, answer in answers.items() if answer.status >= 500 and answer.status != 503
    ] == []
    unavailable = [answer for answer in answers.values() if answer.status == 503]
    assert unavailable, "the database was down: something must have needed it"
    assert all(answer.headers.get("retry-after") == "10" for answer in unavailable)
