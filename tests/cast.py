"""The cast: one staff member of each role, each in a real organisation tree, with clients.

    def test_it_hides_another_kota(cast):
        response = cast.client(cast.triage_officer).get("/api/v1/…")
        page = cast.admin_client(cast.auditor).get("/admin/…")

The organisations (`cast.orgs.<name>`):

    kota_pusat (Kota Administrasi Jakarta Pusat)
      └ kec_gambir (Kecamatan Gambir)
          └ kel_gambir (Kelurahan Gambir)        kel_kebon_kelapa (Kelurahan Kebon Kelapa)
    kota_utara (Kota Administrasi Jakarta Utara)
      └ kec_koja └ kel_koja
    dinas_bina_marga (Dinas Bina Marga)
      └ sudin_bina_marga_pusat (Suku Dinas Bina Marga Jakarta Pusat)
    dinas_kominfotik (Dinas Komunikasi, Informatika dan Statistik)
    bpbd (BPBD DKI Jakarta)
    inspektorat (Inspektorat Provinsi)

The organisations are created together, on first use. The people are created when first
used, with the password `cast.PASSWORD` for admin log-ins:

    triage_officer        complaint_triage, Kelurahan Gambir
    kota_triage_officer   complaint_triage, Kota Jakarta Pusat (sees its kecamatan and kelurahan)
    other_kota_officer    complaint_triage, Kelurahan Koja (another kota)
    agency_officer        agency_officer, Dinas Bina Marga (sees its suku dinas)
    sudin_officer         agency_officer, Suku Dinas Bina Marga Jakarta Pusat
    alert_author          alert_author, BPBD
    alert_approver        alert_approver, BPBD (a second officer: never the author)
    cctv_operator         cctv_operator, Dinas Kominfotik
    auditor               auditor, Inspektorat
    staff_without_role    staff of Kelurahan Gambir with no role
    superuser             superuser, no organisation
    resident              a resident (not staff)

`cast.client(person)` is an APIClient signed in through the real token issue
(`tokens_issue`: a login session, then its access token); `cast.admin_client(person)` a
Django test client logged in to the admin.
"""

from functools import cached_property

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jaki.accounts.models import Organisation, Role
from tests.accounts.factories import OrganisationFactory, StaffFactory, UserFactory

PASSWORD = "kuat-sekali-2026"

Kind = Organisation.Kind

# name: (code, display name, kind, parent name)
ORGANISATIONS = {
    "kota_pusat": ("kota-31-71", "Kota Administrasi Jakarta Pusat", Kind.KOTA, None),
    "kec_gambir": ("kec-31-71-01", "Kecamatan Gambir", Kind.KECAMATAN, "kota_pusat"),
    "kel_gambir": ("kel-31-71-01-1001", "Kelurahan Gambir", Kind.KELURAHAN, "kec_gambir"),
    "kel_kebon_kelapa": (
        "kel-31-71-01-1002",
        "Kelurahan Kebon Kelapa",
        Kind.KELURAHAN,
        "kec_gambir",
    ),
    "kota_utara": ("kota-31-72", "Kota Administrasi Jakarta Utara", Kind.KOTA, None),
    "kec_koja": ("kec-31-72-04", "Kecamatan Koja", Kind.KECAMATAN, "kota_utara"),
    "kel_koja": ("kel-31-72-04-1001", "Kelurahan Koja", Kind.KELURAHAN, "kec_koja"),
    "dinas_bina_marga": ("dinas-bina-marga", "Dinas Bina Marga", Kind.DINAS, None),
    "sudin_bina_marga_pusat": (
        "sudin-bina-marga-jakpus",
        "Suku Dinas Bina Marga Jakarta Pusat",
        Kind.SUKU_DINAS,
        "dinas_bina_marga",
    ),
    "dinas_kominfotik": (
        "dinas-kominfotik",
        "Dinas Komunikasi, Informatika dan Statistik",
        Kind.DINAS,
        None,
    ),
    "bpbd": ("bpbd", "BPBD DKI Jakarta", Kind.BPBD, None),
    "inspektorat": ("inspektorat", "Inspektorat Provinsi", Kind.DINAS, None),
}

# name: (phone, display name, role, organisation name)
STAFF = {
    "triage_officer": ("+6281100001001", "Dewi Triase", Role.COMPLAINT_TRIAGE, "kel_gambir"),
    "kota_triage_officer": (
        "+6281100001002",
        "Rudi Kota",
        Role.COMPLAINT_TRIAGE,
        "kota_pusat",
    ),
    "other_kota_officer": ("+6281100001003", "Sari Koja", Role.COMPLAINT_TRIAGE, "kel_koja"),
    "agency_officer": (
        "+6281100001004",
        "Agus Dinas",
        Role.AGENCY_OFFICER,
        "dinas_bina_marga",
    ),
    "sudin_officer": (
        "+6281100001005",
        "Wati Sudin",
        Role.AGENCY_OFFICER,
        "sudin_bina_marga_pusat",
    ),
    "alert_author": ("+6281100001006", "Bayu Penulis", Role.ALERT_AUTHOR, "bpbd"),
    "alert_approver": ("+6281100001007", "Rina Penyetuju", Role.ALERT_APPROVER, "bpbd"),
    "cctv_operator": ("+6281100001008", "Joko Kamera", Role.CCTV_OPERATOR, "dinas_kominfotik"),
    "auditor": ("+6281100001009", "Lestari Audit", Role.AUDITOR, "inspektorat"),
    "staff_without_role": ("+6281100001010", "Tono Staf", None, "kel_gambir"),
}


class Organisations:
    """The whole organisation tree, created on first use (a dozen rows, parents first), so a
    test that asks for one office also has the offices it must not see."""

    def __getattr__(self, name: str) -> Organisation:
        if name not in ORGANISATIONS:
            raise AttributeError(name)
        for key, (code, display, kind, parent) in ORGANISATIONS.items():
            org = OrganisationFactory(
                code=code,
                name=display,
                kind=kind,
                parent=self.__dict__[parent] if parent else None,
            )
            setattr(self, key, org)  # later reads skip __getattr__
        return self.__dict__[name]


class Cast:
    PASSWORD = PASSWORD

    def __init__(self):
        self.orgs = Organisations()

    def __getattr__(self, name: str):
        if name not in STAFF:
            raise AttributeError(name)
        phone, display, role, org = STAFF[name]
        person = StaffFactory(
            phone=phone, name=display, organisation=getattr(self.orgs, org), role=role
        )
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
        setattr(self, name, person)
        return person

    @cached_property
    def superuser(self):
        person = StaffFactory(phone="+6281100001000", name="Admin", organisation=None)
        person.is_superuser = True
        person.set_password(PASSWORD)
        person.save()
        return person

    @cached_property
    def resident(self):
        return UserFactory(phone="+6281200001000", name="Siti Warga")

    def client(self, person) -> APIClient:
        """An API client signed in as `person` through the real token issue."""
        from jaki.accounts.services import tokens_issue

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=person)['access']}")
        return client

    def admin_client(self, person) -> Client:
        """A Django test client logged in to the admin as `person`."""
        client = Client()
        client.force_login(person)
        return client


@pytest.fixture
def cast(db) -> Cast:
    return Cast()
