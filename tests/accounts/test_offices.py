"""Government offices made from the regions: one per kota, kecamatan and kelurahan."""

import io

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError

from jaki import lifecycle
from jaki.accounts import selectors, services
from jaki.accounts.models import Organisation
from jaki.regions import services as region_services
from jaki.regions.models import Region
from tests.accounts.factories import StaffFactory, UserFactory
from tests.regions import factories as region_factories

pytestmark = pytest.mark.django_db

MONAS = (-6.1754, 106.8272)
OFFICE_KINDS = [Organisation.Kind.KOTA, Organisation.Kind.KECAMATAN, Organisation.Kind.KELURAHAN]


def load_wilayah() -> None:
    call_command("load_wilayah", stdout=io.StringIO())


@pytest.fixture
def wilayah(db) -> None:
    load_wilayah()


def offices():
    return Organisation.objects.filter(kind__in=OFFICE_KINDS)


def test_loading_the_regions_makes_an_office_for_every_region(wilayah):
    assert offices().count() == 6 + 44 + 267
    office = Organisation.objects.select_related("region", "parent").get(code="kel-31-71-01-1001")
    assert (office.name, office.kind, office.region.code) == (
        "Kelurahan Gambir",
        Organisation.Kind.KELURAHAN,
        "31.71.01.1001",
    )
    assert office.parent.code == "kec-31-71-01"
    for office in offices().select_related("region__parent", "parent__region"):
        region = office.region
        assert office.kind == region.level
        assert (office.parent.region if office.parent else None) == region.parent


def test_the_kota_and_kabupaten_offices_carry_their_official_names(wilayah):
    assert Organisation.objects.get(code="kota-31-71").name == "Kota Administrasi Jakarta Pusat"
    assert (
        Organisation.objects.get(code="kota-31-01").name
        == "Kabupaten Administrasi Kepulauan Seribu"
    )


def test_monas_is_routed_to_kelurahan_gambir_and_escalates_in_one_query(
    wilayah, django_assert_num_queries
):
    selectors.locate(MONAS[0], MONAS[1])  # builds the locate index

    with django_assert_num_queries(1):
        office = selectors.office_for_point(lat=MONAS[0], lon=MONAS[1])
        chain = [office.name, office.parent.name, office.parent.parent.name]
        regions = [office.region.code, office.parent.region.code, office.parent.parent.region.code]

    assert chain == ["Kelurahan Gambir", "Kecamatan Gambir", "Kota Administrasi Jakarta Pusat"]
    assert regions == ["31.71.01.1001", "31.71.01", "31.71"]
    assert office.parent.parent.parent is None
    with django_assert_num_queries(0):  # then from the cache, parents included
        again = selectors.office_for_point(lat=MONAS[0], lon=MONAS[1])
    assert again.parent.parent.name == "Kota Administrasi Jakarta Pusat"


def test_a_region_code_finds_its_office_not_an_agency_tied_to_the_same_region(wilayah):
    Organisation.objects.create(
        code="sudin-x",
        name="Suku Dinas X",
        kind=Organisation.Kind.SUKU_DINAS,
        region=Region.objects.get(code="31.71"),
    )

    assert selectors.office_for_region(code="31.71").code == "kota-31-71"
    assert selectors.office_for_region(code="31.71.01").name == "Kecamatan Gambir"
    assert selectors.office_for_region(code="31.99") is None


def test_a_point_outside_jakarta_has_no_office(wilayah):
    assert selectors.office_for_point(lat=-5.9, lon=106.8) is None


def test_loading_twice_keeps_the_same_office_rows(wilayah, django_assert_max_num_queries):
    before = dict(offices().values_list("code", "pk"))

    load_wilayah()
    with django_assert_max_num_queries(6):
        result = services.offices_sync()

    assert dict(offices().values_list("code", "pk")) == before
    assert (result.created, result.updated) == ([], [])


def test_a_renamed_or_moved_region_renames_and_reparents_its_office():
    region_factories.small_map()
    menteng = Region.objects.get(code="31.71.06")

    region_services.region_upsert(
        code="31.71.01.1002", name="Cideng Raya", level=Region.Level.KELURAHAN, parent=menteng
    )

    office = Organisation.objects.get(code="kel-31-71-01-1002")
    assert office.name == "Kelurahan Cideng Raya"
    assert office.parent.code == "kec-31-71-06"


def test_an_office_with_staff_is_kept_and_its_region_cannot_be_deleted_under_it():
    region_factories.small_map()
    office = Organisation.objects.get(code="kel-31-71-01-1001")
    StaffFactory(organisation=office)

    with pytest.raises(ProtectedError):
        Region.objects.get(code="31.71.01.1001").delete()

    services.offices_sync()
    assert Organisation.objects.filter(pk=office.pk).exists()


def test_a_region_and_its_office_are_written_in_one_transaction():
    def refuse(**kwargs):
        raise RuntimeError("a later handler fails")

    assert services.offices_sync in lifecycle.regions_changed.handlers
    lifecycle.regions_changed.register(refuse)
    try:
        with pytest.raises(RuntimeError):
            region_factories.kota()
    finally:
        lifecycle.regions_changed.unregister(refuse)

    assert not Region.objects.exists()
    assert not offices().exists()


def test_a_dry_run_of_the_regions_makes_no_office(db):
    call_command("load_wilayah", "--dry-run", stdout=io.StringIO())

    assert not offices().exists()


def test_staff_find_the_offices_in_the_organisation_admin(client, wilayah):
    admin = UserFactory(phone="+6281100000099", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get("/admin/accounts/organisation/", {"q": "Gambir"})

    assert response.status_code == 200
    names = {organisation.name for organisation in response.context["cl"].result_list}
    assert {"Kelurahan Gambir", "Kecamatan Gambir"} <= names


def test_a_resident_cannot_open_the_organisation_admin(client, wilayah):
    client.force_login(UserFactory(phone="+6281200000099"))

    response = client.get("/admin/accounts/organisation/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_office_codes_are_slugs_stable_as_their_region_codes():
    assert services.office_code(level="kelurahan", region_code="31.71.01.1001") == (
        "kel-31-71-01-1001"
    )
    long_code = services.office_code(level="kecamatan", region_code="a" * 64)
    assert len(long_code) == 64
    assert long_code == services.office_code(level="kecamatan", region_code="a" * 64)
