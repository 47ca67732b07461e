"""The audit log: append-only, read-only in the admin, readable by auditors."""

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction

from jaki.accounts.models import Role
from jaki.audit.models import AuditEntry, AuditEvent
from jaki.audit.services import audit_record
from tests.accounts.factories import StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "kuat-sekali-2026"


def _entry(actor=None) -> AuditEntry:
    return audit_record(
        actor=actor, action=AuditEvent.CAMERA_VIEWED, obj_kind="cctv.camera", obj_id=7
    )


@pytest.mark.postgres
def test_the_database_refuses_to_update_an_entry():
    entry = _entry()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(obj_id="8")

    assert AuditEntry.objects.get(pk=entry.pk).obj_id == "7"


@pytest.mark.postgres
def test_the_database_refuses_to_delete_an_entry():
    entry = _entry()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _auditor(client):
    auditor = StaffFactory(phone="+6281100000040", role=Role.AUDITOR)
    auditor.set_password(PASSWORD)
    auditor.save()
    client.force_login(auditor)
    return auditor


def test_an_auditor_reads_the_log_and_cannot_change_it(client):
    auditor = _auditor(client)
    entry = _entry(actor=auditor)

    listing = client.get("/admin/audit/auditentry/", {"action": AuditEvent.CAMERA_VIEWED})
    detail = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    change = client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"obj_id": "8"})
    delete = client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "cctv.camera" in listing.content.decode()
    assert detail.status_code == 200
    assert change.status_code == 403
    assert delete.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).obj_id == "7"


def test_even_a_superuser_cannot_add_or_delete_entries_in_the_admin(client):
    admin = StaffFactory(phone="+6281100000000", is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    client.force_login(admin)
    entry = _entry()

    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403


def test_other_staff_cannot_read_the_log(client):
    officer = StaffFactory(phone="+6281100000041", role=Role.ALERT_APPROVER)
    officer.set_password(PASSWORD)
    officer.save()
    client.force_login(officer)

    assert client.get("/admin/audit/auditentry/").status_code == 403


def test_the_auditor_role_holds_the_view_permission_only():
    group = Group.objects.get(name=Role.AUDITOR.value)

    assert list(group.permissions.values_list("codename", flat=True)) == ["view_auditentry"]


def test_an_app_records_its_own_action_names_and_the_admin_filters_by_them(client):
    _auditor(client)
    audit_record(actor=None, action="airquality.station_moved", obj_kind="station", obj_id="DKI1")

    listing = client.get("/admin/audit/auditentry/", {"action": "airquality.station_moved"})

    assert listing.status_code == 200
    assert "airquality.station_moved" in listing.content.decode()
    assert "DKI1" in listing.content.decode()


@pytest.mark.parametrize("action", ["", "moved", "Complaint.Moved", "complaint.", "a b.c"])
def test_an_action_that_is_not_a_dotted_name_is_refused(action):
    with pytest.raises(ValueError):
        audit_record(actor=None, action=action, obj_kind="x", obj_id=1)

    assert not AuditEntry.objects.exists()
