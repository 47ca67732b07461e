"""Demo organisations and one login per staff role, printed so a newcomer can try each."""

from django.contrib.auth.models import Group

from jaki.accounts.models import Organisation, Role, User
from jaki.accounts.services import OFFICE_KIND
from jaki.regions.models import Region

DEMO_PASSWORD = "jakarta-demo-2026"
ADMIN_PHONE = "+6281100000000"

# The government offices (kelurahan, kecamatan, kota) come from the regions (offices_sync);
# these are the agencies beside them.
ORGANISATIONS = [
    # code, name, kind, parent code, region code
    ("pemprov-dki", "Pemerintah Provinsi DKI Jakarta", Organisation.Kind.DINAS, None, None),
    ("bpbd-dki", "BPBD Provinsi DKI Jakarta", Organisation.Kind.BPBD, None, None),
    ("dinas-bina-marga", "Dinas Bina Marga", Organisation.Kind.DINAS, None, None),
    (
        "diskominfotik",
        "Dinas Komunikasi, Informatika dan Statistik",
        Organisation.Kind.DINAS,
        None,
        None,
    ),
    (
        "sudin-bina-marga-jakpus",
        "Suku Dinas Bina Marga Jakarta Pusat",
        Organisation.Kind.SUKU_DINAS,
        "dinas-bina-marga",
        "31.71",
    ),
]
KELURAHAN_GAMBIR_OFFICE = "kel-31-71-01-1001"  # made from region 31.71.01.1001 by the regions seed

STAFF = [
    # phone, name, role, organisation code
    ("+6281100000001", "Tri Agustina", Role.COMPLAINT_TRIAGE, KELURAHAN_GAMBIR_OFFICE),
    ("+6281100000002", "Budi Santoso", Role.AGENCY_OFFICER, "sudin-bina-marga-jakpus"),
    ("+6281100000003", "Sari Wulandari", Role.ALERT_AUTHOR, "bpbd-dki"),
    ("+6281100000004", "Agus Prasetyo", Role.ALERT_APPROVER, "bpbd-dki"),
    ("+6281100000005", "Rina Marlina", Role.CCTV_OPERATOR, "diskominfotik"),
    ("+6281100000006", "Dewi Lestari", Role.AUDITOR, "pemprov-dki"),
]
RESIDENT = ("+6281200000001", "Warga Demo")


def seed(*, stdout) -> None:
    organisations = {}
    for code, name, kind, parent, region in ORGANISATIONS:
        organisations[code], _ = Organisation.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": organisations.get(parent),
                "region": Region.objects.filter(code=region).first() if region else None,
            },
        )
    organisations[KELURAHAN_GAMBIR_OFFICE] = Organisation.objects.get(code=KELURAHAN_GAMBIR_OFFICE)

    admin = _demo_user(ADMIN_PHONE, "Admin JAKI", organisations["diskominfotik"])
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])

    offices = Organisation.objects.filter(region__isnull=False, kind__in=OFFICE_KIND.values())
    stdout.write(
        f"Organisations: {len(ORGANISATIONS)} agencies, {offices.count()} government offices. "
        f"Logins (password {DEMO_PASSWORD!r}):"
    )
    stdout.write(f"  admin            {ADMIN_PHONE}  (superuser)")
    for phone, name, role, org_code in STAFF:
        user = _demo_user(phone, name, organisations[org_code])
        user.groups.set([Group.objects.get(name=role.value)])
        stdout.write(f"  {role.value:<16} {phone}  {name}, {organisations[org_code].name}")
    User.objects.update_or_create(phone=RESIDENT[0], defaults={"name": RESIDENT[1]})
    stdout.write(f"  resident         {RESIDENT[0]}  (OTP login: the code is printed in this log)")


def _demo_user(phone: str, name: str, organisation: Organisation) -> User:
    user, _ = User.objects.update_or_create(
        phone=phone,
        defaults={"name": name, "organisation": organisation, "is_staff": True, "is_active": True},
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user
