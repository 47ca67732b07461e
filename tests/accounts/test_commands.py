"""Operator commands: create_staff and seed_demo."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from jaki.accounts.models import Organisation, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_staff_makes_a_staff_member_with_a_role_and_password():
    Organisation.objects.create(code="bpbd-dki", name="BPBD DKI", kind="bpbd")

    output = run(
        "create_staff",
        "--phone=0812 3456 7890",
        "--role=alert_author",
        "--organisation=bpbd-dki",
        "--password=kuat-sekali-2026",
    )

    user = User.objects.get(phone="+6281234567890")
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["alert_author"]
    assert user.organisation.code == "bpbd-dki"
    assert user.check_password("kuat-sekali-2026")
    assert "+6281234567890" not in output  # masked even on the operator's terminal


def test_create_staff_updates_an_existing_user_and_adds_the_role():
    User.objects.create_user(phone="+6281234567890", name="Siti")

    run("create_staff", "--phone=+6281234567890", "--role=alert_approver")
    run("create_staff", "--phone=081234567890", "--role=cctv_operator")

    user = User.objects.get()
    assert user.name == "Siti"
    assert set(user.groups.values_list("name", flat=True)) == {"alert_approver", "cctv_operator"}
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phone=12", "--role=alert_author"], "--phone"),
        (["--phone=081234567890", "--role=alert_author", "--organisation=nope"], "organisation"),
        (["--phone=081234567890", "--role=alert_author", "--password=123"], "--password"),
    ],
)
def test_create_staff_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_staff", *args)

    assert not User.objects.exists()


def test_create_staff_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        run("create_staff", "--phone=081234567890", "--role=mayor")


def test_the_roles_exist_as_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "complaint_triage",
        "agency_officer",
        "alert_author",
        "alert_approver",
        "cctv_operator",
    }


def test_seed_demo_prints_a_login_per_role_and_is_idempotent():
    first = run("seed_demo")
    counts = (User.objects.count(), Organisation.objects.count())

    second = run("seed_demo")

    assert (User.objects.count(), Organisation.objects.count()) == counts
    assert "created 0, updated 0, unchanged 267" in second  # the real map, loaded once
    assert "317 government offices" in first

    def logins(out: str) -> str:
        return out[out.index("Organisations:") :]

    assert logins(first) == logins(second)
    for role in ("complaint_triage", "agency_officer", "alert_author", "alert_approver"):
        assert role in first
        assert User.objects.get(groups__name=role).check_password("jakarta-demo-2026")
    assert User.objects.get(phone="+6281100000000").is_superuser
