"""Production refuses the development stand-ins: `check --deploy` and the servers' start-up
fail, naming the variable to set (real subprocesses, as deploy and CI run them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.fcm import FakeFCM
from tests.servers import procfile_command

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """Every variable production needs, as .ci/run passes them (nothing is contacted)."""
    credentials = tmp_path / "firebase.json"
    credentials.write_text(json.dumps(FakeFCM(port=9).service_account_info()))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO", "REDIS", "CELERY", "SMS", "PUSH", "FIREBASE", "DATABASE", "CCTV")
        )
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="test-only-" + "k" * 50,
        ALLOWED_HOSTS="jaki.example.org",
        DATABASE_URL="postgres://jaki:secret@127.0.0.1:5432/jaki",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SMS_BACKEND="jaki.accounts.sms.HTTPGatewaySMSBackend",
        SMS_GATEWAY_URL="https://sms.example.org/messages",
        SMS_GATEWAY_TOKEN="gateway-secret",
        FIREBASE_CREDENTIALS=str(credentials),
        CCTV_SECRET_KEYS="2Xg0yT9mQ0kq3kq7cH7T7n3oRk0Zb2oQZyQ1r9Xw5Ck=",
        CCTV_STREAM_KEYS="k1:test-only-stream-signing-secret",
    )
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_every_production_variable(production_env):
    result = _check_deploy(production_env)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("unset", "overrides", "named", "check_id"),
    [
        ("REDIS_URL", {}, "REDIS_URL", "production.E001"),
        ("", {"CELERY_TASK_ALWAYS_EAGER": "true"}, "CELERY_TASK_ALWAYS_EAGER", "production.E002"),
        ("SMS_BACKEND", {}, "SMS_BACKEND", "production.E004"),
        ("SMS_GATEWAY_URL", {}, "SMS_GATEWAY_URL", "production.E005"),
        ("SMS_GATEWAY_TOKEN", {}, "SMS_GATEWAY_TOKEN", "production.E005"),
        ("FIREBASE_CREDENTIALS", {}, "FIREBASE_CREDENTIALS", "production.E006"),
        ("", {"PUSH_BACKEND": "log"}, "FIREBASE_CREDENTIALS", "production.E006"),
        ("DATABASE_URL", {}, "DATABASE_URL", "production.E007"),
        ("CCTV_SECRET_KEYS", {}, "CCTV_SECRET_KEYS", "cctv.E001"),
        ("CCTV_STREAM_KEYS", {}, "CCTV_STREAM_KEYS", "cctv.E007"),
    ],
)
def test_check_deploy_fails_naming_each_missing_variable(
    production_env, unset, overrides, named, check_id
):
    env = {key: value for key, value in production_env.items() if key != unset}
    env.update(overrides)

    result = _check_deploy(env)

    assert result.returncode != 0
    assert check_id in result.stderr
    assert named in result.stderr


def test_the_web_server_refuses_to_start_without_redis(production_env):
    env = {key: value for key, value in production_env.items() if key != "REDIS_URL"}

    server = subprocess.run(
        [sys.executable, "-m", "uvicorn", "jaki.asgi:application", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert server.returncode != 0
    assert "production.E001" in server.stderr
    assert "REDIS_URL" in server.stderr


def test_the_procfiles_web_process_refuses_to_start_without_redis(production_env):
    env = {key: value for key, value in production_env.items() if key != "REDIS_URL"}
    command, _ = procfile_command("web", port=0, WEB_CONCURRENCY="1")

    server = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert server.returncode != 0
    assert "production.E001" in server.stdout + server.stderr
    assert "REDIS_URL" in server.stdout + server.stderr


def test_seed_demo_refuses_to_run_in_production(settings, db):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="DJANGO_ENV=production"):
        call_command("seed_demo")


def test_a_celery_worker_refuses_to_start_with_eager_tasks(production_env):
    env = {**production_env, "CELERY_TASK_ALWAYS_EAGER": "true"}

    worker = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "jaki", "worker", "--pool", "solo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert worker.returncode != 0
    assert "production.E002" in worker.stderr + worker.stdout
