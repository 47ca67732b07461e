import pytest
from django.contrib.auth import get_user_model

from jaki.regions.models import Region

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/regions/region/"


@pytest.fixture
def admin(client):
    superuser = get_user_model().objects.create_superuser(phone="+6281200000001", password="x")
    client.force_login(superuser)
    return client


def test_staff_search_regions_with_their_parents_in_a_fixed_number_of_queries(
    admin, small_map, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = admin.get(CHANGELIST, {"q": "gambir"})

    assert response.status_code == 200
    assert {r.code for r in response.context["cl"].result_list} == {"31.71.01", "31.71.01.1001"}


def test_the_boundary_is_shown_as_a_summary_not_an_editable_field(admin, small_map):
    gambir = Region.objects.get(code="31.71.01.1001")

    response = admin.get(f"{CHANGELIST}{gambir.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "boundary" not in form.fields
    assert "code" not in form.fields  # other systems find a region by its code
    assert "Polygon: 1 polygon, 5 points" in response.content.decode()


def test_staff_cannot_put_a_kelurahan_under_a_kota(admin, small_map):
    gambir = Region.objects.get(code="31.71.01.1001")
    jakarta_pusat = Region.objects.get(code="31.71")

    response = admin.post(
        f"{CHANGELIST}{gambir.pk}/change/",
        {"name": "Gambir", "level": "kelurahan", "parent": jakarta_pusat.pk},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    gambir.refresh_from_db()
    assert gambir.parent.code == "31.71.01"


def test_staff_rename_a_region_through_the_service(admin, small_map):
    gambir = Region.objects.get(code="31.71.01.1001")

    response = admin.post(
        f"{CHANGELIST}{gambir.pk}/change/",
        {"name": "  Gambir   Baru ", "level": "kelurahan", "parent": gambir.parent_id},
    )

    assert response.status_code == 302
    gambir.refresh_from_db()
    assert gambir.name == "Gambir Baru"
    assert gambir.bbox == [106.815, -6.19, 106.84, -6.16]


def test_the_parent_autocomplete_offers_no_kelurahan(admin, small_map):
    response = admin.get(
        "/admin/autocomplete/",
        {"app_label": "regions", "model_name": "region", "field_name": "parent", "term": "gambir"},
    )

    assert [item["text"] for item in response.json()["results"]] == [
        str(Region.objects.get(code="31.71.01"))
    ]
