"""Organisation scope: an office sees itself and what lies below it, in the API and the admin."""

import pytest

from jaki.accounts.models import Organisation, Role, User
from jaki.accounts.permissions import can_act, organisations_in_scope, scoped

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.scope_urls")]

LIST = "/api/test/organisations/"


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["code"] for row in response.json()["results"]}


def test_a_dinas_officer_sees_the_dinas_and_its_suku_dinas(cast):
    codes = _codes(cast.client(cast.agency_officer).get(LIST))

    assert codes == {"dinas-bina-marga", "sudin-bina-marga-jakpus"}


def test_a_kota_officer_sees_its_kecamatan_and_kelurahan_offices(cast):

    codes = _codes(cast.client(cast.kota_triage_officer).get(LIST))

    assert codes == {"kota-31-71", "kec-31-71-01", "kel-31-71-01-1001", "kel-31-71-01-1002"}


def test_a_kelurahan_officer_sees_only_its_own_office(cast):

    assert _codes(cast.client(cast.triage_officer).get(LIST)) == {"kel-31-71-01-1001"}


def test_another_kotas_office_is_not_found_rather_than_forbidden(cast):
    client = cast.client(cast.other_kota_officer)

    hidden = client.get(f"{LIST}{cast.orgs.kel_gambir.code}/")
    own = client.get(f"{LIST}{cast.orgs.kel_koja.code}/")

    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "not_found"
    assert own.status_code == 200


def test_a_superuser_sees_every_organisation(cast):

    codes = _codes(cast.client(cast.superuser).get(LIST + "?page_size=100"))

    assert codes == set(Organisation.objects.values_list("code", flat=True))


def test_a_resident_is_refused(cast):
    response = cast.client(cast.resident).get(LIST)

    assert response.status_code == 403


def test_staff_without_a_role_see_nothing_of_a_role_scoped_list(cast):
    officer = cast.staff_without_role
    rows = Organisation.objects.all()

    assert not scoped(rows, officer, role=Role.COMPLAINT_TRIAGE, via="pk").exists()
    assert not can_act(officer, Role.COMPLAINT_TRIAGE, officer.organisation, via="pk")
    assert scoped(rows, cast.triage_officer, role=Role.COMPLAINT_TRIAGE, via="pk").count() == 1


def test_rows_are_scoped_through_their_organisation(cast):
    """As a service's rows are: here users, whose `organisation` is the row's office."""
    agency, sudin = cast.agency_officer, cast.sudin_officer
    cast.alert_author  # noqa: B018  (BPBD staff: outside the dinas)

    staff = scoped(
        User.objects.all(),
        agency,
        role=Role.AGENCY_OFFICER,
    )

    assert set(staff) == {agency, sudin}
    assert can_act(agency, Role.AGENCY_OFFICER, sudin)
    assert not can_act(sudin, Role.AGENCY_OFFICER, agency)


def test_the_scope_is_one_query_and_kept_for_the_request(cast, django_assert_num_queries):
    officer = cast.kota_triage_officer

    with django_assert_num_queries(1):
        first = organisations_in_scope(officer)
        again = organisations_in_scope(officer)

    assert first == again and len(first) == 4  # kota, kecamatan, two kelurahan
    assert organisations_in_scope(cast.superuser) is None
    assert organisations_in_scope(cast.resident) == set()


def test_in_the_admin_staff_read_their_subtree_and_change_nothing(cast):
    admin = cast.admin_client(cast.kota_triage_officer)

    listing = admin.get("/admin/accounts/organisation/").content.decode()
    own = admin.get(f"/admin/accounts/organisation/{cast.orgs.kel_gambir.pk}/change/")
    other = admin.get(f"/admin/accounts/organisation/{cast.orgs.kel_koja.pk}/change/")
    edit = admin.post(
        f"/admin/accounts/organisation/{cast.orgs.kel_gambir.pk}/change/",
        {"name": "Diubah", "code": "kel-31-71-01-1001", "kind": "kelurahan"},
    )

    assert "Kelurahan Gambir" in listing and "Kelurahan Koja" not in listing
    assert own.status_code == 200
    assert 'name="name"' not in own.content.decode()  # read-only
    assert other.status_code == 302  # not in its queryset: the admin answers "does not exist"
    assert edit.status_code == 403
    assert Organisation.objects.get(pk=cast.orgs.kel_gambir.pk).name == "Kelurahan Gambir"


def test_in_the_admin_a_superuser_sees_and_edits_every_organisation(cast):
    admin = cast.admin_client(cast.superuser)
    koja = cast.orgs.kel_koja

    listing = admin.get("/admin/accounts/organisation/").content.decode()
    page = admin.get(f"/admin/accounts/organisation/{koja.pk}/change/").content.decode()

    assert "Kelurahan Koja" in listing and "Kota Administrasi Jakarta Utara" in listing
    assert 'name="name"' in page


def test_a_resident_has_no_organisation_admin(cast):
    resident = cast.resident
    resident.is_staff = False

    response = cast.admin_client(resident).get("/admin/accounts/organisation/")

    assert response.status_code == 302  # to the admin login
