"""Roles and flags in the admin: only superusers change them, and every change is audited."""

import pytest
from django.contrib.auth.models import Group, Permission

from jaki.accounts.models import Role, User
from jaki.audit.models import AuditEntry, AuditEvent
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "kuat-sekali-2026"


def _staff_with(*codenames: str, superuser: bool = False, phone: str) -> User:
    user = StaffFactory(phone=phone, is_superuser=superuser)
    user.set_password(PASSWORD)
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def clerk(client):
    """A staff member allowed to change users (and groups), not a superuser."""
    return _staff_with(
        "view_user",
        "change_user",
        "add_user",
        "delete_user",
        "view_group",
        "change_group",
        phone="+6281100000010",
    )


@pytest.fixture
def superuser():
    return _staff_with(superuser=True, phone="+6281100000000")


def _log_in(client, user: User):
    client.force_login(user)
    return client


def _change_form(user: User, **overrides) -> dict:
    """Everything the user's change form posts, as the browser would send it unchanged."""
    user.refresh_from_db()
    data = {
        "phone": user.phone,
        "password": user.password,
        "name": user.name,
        "language": user.language,
        "organisation": user.organisation_id or "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_a_clerk_cannot_make_themselves_superuser(client, clerk):
    _log_in(client, clerk)
    approver = Group.objects.get(name=Role.ALERT_APPROVER.value)
    everything = list(Permission.objects.values_list("pk", flat=True))

    response = client.post(
        f"/admin/accounts/user/{clerk.pk}/change/",
        _change_form(
            clerk,
            name="Clerk Renamed",
            is_superuser="on",
            groups=[approver.pk],
            user_permissions=everything,
        ),
    )

    assert response.status_code == 302  # saved: the harmless part only
    clerk.refresh_from_db()
    assert clerk.name == "Clerk Renamed"
    assert not clerk.is_superuser
    assert not clerk.groups.exists()
    assert clerk.user_permissions.count() == 6
    assert not AuditEntry.objects.exists()


def test_a_clerk_cannot_make_a_resident_staff(client, clerk):
    _log_in(client, clerk)
    resident = UserFactory(phone="+6281234567890")
    resident.set_unusable_password()
    resident.save()

    response = client.post(
        f"/admin/accounts/user/{resident.pk}/change/",
        _change_form(resident, is_staff="on", is_superuser="on"),
    )

    assert response.status_code == 302  # saved, without the flags
    resident.refresh_from_db()
    assert not resident.is_staff
    assert not resident.is_superuser


def test_a_clerk_sees_roles_but_has_no_inputs_for_them(client, clerk):
    _log_in(client, clerk)

    page = client.get(f"/admin/accounts/user/{clerk.pk}/change/").content.decode()

    assert 'name="is_superuser"' not in page
    assert 'name="is_staff"' not in page
    assert 'name="groups"' not in page
    assert 'name="user_permissions"' not in page


def test_a_clerk_cannot_touch_another_staff_account_nor_its_password(client, clerk, superuser):
    _log_in(client, clerk)

    change = client.post(
        f"/admin/accounts/user/{superuser.pk}/change/", _change_form(superuser, name="x")
    )
    password = client.post(
        f"/admin/accounts/user/{superuser.pk}/password/",
        {"password1": "diambil-alih-2026", "password2": "diambil-alih-2026"},
    )

    assert change.status_code == 403
    assert password.status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)


def test_a_clerk_cannot_bulk_delete_accounts(client, clerk, superuser):
    _log_in(client, clerk)

    client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [superuser.pk], "post": "yes"},
    )

    assert User.objects.filter(pk=superuser.pk).exists()


def test_a_clerk_adds_a_user_who_is_never_staff(client, clerk):
    _log_in(client, clerk)

    response = client.post(
        "/admin/accounts/user/add/",
        {"phone": "0812 1111 2222", "name": "Baru", "is_staff": "on", "is_superuser": "on"},
    )

    assert response.status_code == 302
    added = User.objects.get(phone="+6281211112222")
    assert not added.is_staff
    assert not added.is_superuser


def test_a_clerk_cannot_grant_permissions_through_a_group(client, clerk):
    _log_in(client, clerk)
    group = Group.objects.get(name=Role.ALERT_APPROVER.value)
    clerk.groups.add(group)  # suppose the clerk were in a role

    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": group.name, "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 403
    assert not group.permissions.exists()


def test_a_superuser_changes_roles_and_the_change_is_audited(client, superuser):
    _log_in(client, superuser)
    officer = _staff_with(phone="+6281100000020")
    approver = Group.objects.get(name=Role.ALERT_APPROVER.value)

    response = client.post(
        f"/admin/accounts/user/{officer.pk}/change/",
        _change_form(officer, groups=[approver.pk], is_superuser="on"),
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEvent.STAFF_ROLES_CHANGED
    assert entry.actor == superuser
    assert (entry.obj_kind, entry.obj_id) == ("accounts.user", str(officer.public_id))
    assert entry.client_address == "10.1.2.3"
    assert entry.user_agent == "Firefox/140"
    assert entry.details == {
        "via": "admin",
        "changes": {
            "is_superuser": {"before": False, "after": True},
            "groups": {"before": [], "after": ["alert_approver"]},
        },
    }
    assert officer.phone not in str(entry.details)


def test_a_superuser_changing_a_roles_permissions_is_audited(client, superuser):
    _log_in(client, superuser)
    group = Group.objects.get(name=Role.CCTV_OPERATOR.value)
    view_users = Permission.objects.get(codename="view_user")
    # A service grants its role what its admin screens need (cctv: the camera screens).
    before = sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    )

    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": group.name, "permissions": [view_users.pk]},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.obj_kind, entry.obj_id) == (superuser, "auth.group", str(group.pk))
    assert entry.details["changes"] == {
        "permissions": {"before": before, "after": ["accounts.view_user"]}
    }


def test_a_superuser_saving_without_role_changes_writes_no_audit_row(client, superuser):
    _log_in(client, superuser)
    officer = _staff_with(phone="+6281100000020")

    client.post(f"/admin/accounts/user/{officer.pk}/change/", _change_form(officer, name="Ani"))

    assert not AuditEntry.objects.exists()


def test_the_create_staff_command_is_audited(db):
    from django.core.management import call_command

    call_command("create_staff", phone="0811 0000 0030", role="alert_author", stdout=None)

    entry = AuditEntry.objects.get()
    user = User.objects.get(phone="+6281100000030")
    assert entry.actor is None
    assert entry.obj_id == str(user.public_id)
    assert entry.details["via"] == "create_staff"
    assert entry.details["changes"]["is_staff"] == {"before": False, "after": True}
    assert entry.details["changes"]["groups"] == {"before": [], "after": ["alert_author"]}


def test_the_change_form_never_takes_a_password_hash(client, superuser):
    _log_in(client, superuser)
    officer = _staff_with(phone="+6281100000020")
    hash_before = User.objects.get(pk=officer.pk).password

    page = client.get(f"/admin/accounts/user/{officer.pk}/change/").content.decode()
    client.post(
        f"/admin/accounts/user/{officer.pk}/change/",
        _change_form(officer, password="md5$chosen$0123456789abcdef"),
    )

    assert hash_before not in page
    assert User.objects.get(pk=officer.pk).password == hash_before
