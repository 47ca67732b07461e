"""Shared fixtures: API clients, the cast of users, and access to ../shared/data.

`cast` (tests/cast.py) is the staff cast for service tests: a member of each role in a real
organisation tree (kelurahan < kecamatan < kota, a dinas with its suku dinas, BPBD), a
superuser and a resident, with `cast.client(person)` (an APIClient signed in through the real
token issue) and `cast.admin_client(person)` (a logged-in admin client). Its docstring lists
everyone.

In CI (CI=true) the suite must run against PostgreSQL and Redis: a test that needs them fails
instead of skipping, and the session refuses to start on SQLite.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.cast import cast  # noqa: F401  (the staff cast fixture)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def pytest_sessionstart(session):
    if IN_CI:
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
        if missing:
            raise pytest.UsageError(f"CI must run against real services; set {missing}")


def pytest_collection_modifyitems(config, items):
    if IN_CI:
        return  # never skip in CI: a missing service must fail the run
    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://…"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL=redis://…"))


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the project; absent data fails in CI, skips elsewhere."""
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED_DATA} is missing")
        pytest.skip(f"{SHARED_DATA} is missing")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real passwords; tests only need it to round-trip."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles live in the cache: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_process_copies():
    """Each test's rows vanish with its transaction (regions, categories); a process's copy
    built on them must go too."""
    from jaki.process_copy import drop_every_local_copy

    drop_every_local_copy()
    yield
    drop_every_local_copy()


@pytest.fixture
def throttle_rates(monkeypatch):
    """Set some throttle rates for one test. DRF's throttles read their rates once, at import,
    so overriding settings alone would not reach them (and would leak into the next test)."""
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates: str) -> None:
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return set_rates


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


# The cast: residents who must never see each other's data.


@pytest.fixture
def resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(phone="+6281234567890", name="Siti")


@pytest.fixture
def other_resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(phone="+6281298765432", name="Budi")


@pytest.fixture
def as_user(api_client):
    """Sign the API client in as `user` with a real access token."""
    from rest_framework_simplejwt.tokens import AccessToken

    def sign_in(user):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return api_client

    return sign_in


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    """The real ASGI server on a free loopback port, against this test's database (see
    tests/servers.py). Needs PostgreSQL: mark tests using it `@pytest.mark.postgres`."""
    from tests.servers import run_asgi_server

    with run_asgi_server(tmp_path / "asgi-server.log") as server:
        yield server
