"""Staff issue and revoke keys in the admin: the key shown once, never stored, always audited."""

import re

import pytest

from jaki.apikeys.models import ApiKey
from jaki.apikeys.services import api_key_create
from jaki.audit.models import AuditEntry
from tests.apikeys.urls import READ, WRITE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.apikeys.urls")]

KEY = re.compile(r"jaki_[0-9a-f]{12}_[\w-]+")


def test_creating_a_key_shows_it_once_and_stores_only_its_hash(cast, api_client):
    admin = cast.admin_client(cast.superuser)

    created = admin.post(
        "/admin/apikeys/apikey/add/",
        {"name": "Sensor Kemayoran", "scopes": [READ], "resources": "DKI3\nDKI4", "rate": ""},
    )

    assert created.status_code == 200, created.content.decode()[:2000]
    assert "no-store" in created["Cache-Control"]  # the one page holding the key: no copy kept
    (plaintext,) = set(KEY.findall(created.content.decode()))
    api_key = ApiKey.objects.get(name="Sensor Kemayoran")
    assert api_key.resources == ["DKI3", "DKI4"]
    assert api_key.created_by == cast.superuser
    secret = plaintext.split("_", 2)[2]
    assert all(
        secret not in str(v) for v in ApiKey.objects.filter(pk=api_key.pk).values().get().values()
    )
    change_page = admin.get(f"/admin/apikeys/apikey/{api_key.pk}/change/").content.decode()
    assert secret not in change_page
    assert api_key.secret_hash not in change_page
    assert api_client.get("/api/test/machine/", HTTP_X_API_KEY=plaintext).status_code == 200
    entry = AuditEntry.objects.get(action="apikey.created", obj_id=str(api_key.pk))
    assert entry.actor == cast.superuser
    assert secret not in str(entry.details)


def test_a_key_can_only_be_given_declared_scopes(cast):
    admin = cast.admin_client(cast.superuser)

    response = admin.post("/admin/apikeys/apikey/add/", {"name": "Typo", "scopes": ["test:reed"]})

    assert response.status_code == 200
    assert "test:reed" in response.context["adminform"].form.errors["scopes"][0]
    assert not ApiKey.objects.exists()


def test_revoking_in_the_admin_stops_the_key_and_is_audited(cast, api_client):
    issued = api_key_create(name="Open311 lama", scopes=[READ, WRITE])
    admin = cast.admin_client(cast.superuser)

    response = admin.post(
        "/admin/apikeys/apikey/",
        {"action": "revoke", "_selected_action": [issued.api_key.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 kunci dicabut" in response.content.decode()  # Indonesian first
    assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at is not None
    assert api_client.get("/api/test/machine/", HTTP_X_API_KEY=issued.plaintext).status_code == 401
    assert AuditEntry.objects.filter(action="apikey.revoked", actor=cast.superuser).count() == 1


def test_editing_a_key_is_audited(cast):
    issued = api_key_create(name="CAP BMKG", scopes=[READ])
    admin = cast.admin_client(cast.superuser)

    response = admin.post(
        f"/admin/apikeys/apikey/{issued.api_key.pk}/change/",
        {"name": "CAP BMKG", "scopes": [READ, WRITE], "resources": "", "rate": "60/min"},
    )

    assert response.status_code == 302
    api_key = ApiKey.objects.get(pk=issued.api_key.pk)
    assert api_key.scopes == [READ, WRITE]
    assert api_key.rate == "60/min"
    entry = AuditEntry.objects.get(action="apikey.changed")
    assert entry.details["changed"] == ["rate", "scopes"]


def test_the_list_searches_and_filters_by_state(cast):
    api_key_create(name="Stasiun Aktif", scopes=[READ])
    revoked = api_key_create(name="Stasiun Lama", scopes=[READ]).api_key
    revoked.revoked_at = revoked.created_at
    revoked.save()
    admin = cast.admin_client(cast.superuser)

    active = admin.get("/admin/apikeys/apikey/", {"state": "active"}).content.decode()
    search = admin.get("/admin/apikeys/apikey/", {"q": "Lama"}).content.decode()

    assert "Stasiun Aktif" in active and "Stasiun Lama" not in active
    assert "Stasiun Lama" in search and "Stasiun Aktif" not in search


def test_staff_without_the_permission_see_no_keys(cast):
    api_key_create(name="Rahasia", scopes=[READ])
    admin = cast.admin_client(cast.triage_officer)

    assert admin.get("/admin/apikeys/apikey/").status_code == 403
    assert admin.get("/admin/apikeys/apikey/add/").status_code == 403
