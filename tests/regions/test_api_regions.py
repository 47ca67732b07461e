import pytest

from jaki.regions.models import Region
from tests.regions import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/regions/"
LOCATE_URL = "/api/v1/regions/locate/"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


# --- List -------------------------------------------------------------------------------------


def test_anyone_can_list_regions_ordered_by_code_without_boundaries(api_client, small_map):
    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    codes = [item["code"] for item in body["results"]]
    assert codes == sorted(Region.objects.values_list("code", flat=True))
    gambir = next(item for item in body["results"] if item["code"] == "31.71.01.1001")
    assert gambir == {
        "code": "31.71.01.1001",
        "name": "Gambir",
        "level": "kelurahan",
        "parent": {"code": "31.71.01", "name": "Gambir", "level": "kecamatan"},
        "bbox": [106.815, -6.19, 106.84, -6.16],
    }
    jakarta_pusat = next(item for item in body["results"] if item["code"] == "31.71")
    assert jakarta_pusat["parent"] is None
    assert body["next"] is None and body["previous"] is None


def test_a_region_without_a_boundary_has_a_null_bbox(api_client):
    factories.kota(bounds=None)

    assert api_client.get(LIST_URL).json()["results"][0]["bbox"] is None


def test_it_filters_by_level(api_client, small_map):
    response = api_client.get(LIST_URL, {"level": "kecamatan"})

    assert [item["code"] for item in response.json()["results"]] == [
        "31.71.01",
        "31.71.06",
        "31.74.01",
    ]


def test_it_filters_by_the_parent_code(api_client, small_map):
    response = api_client.get(LIST_URL, {"parent": "31.71.01"})

    assert [item["name"] for item in response.json()["results"]] == ["Gambir", "Cideng"]


def test_an_unknown_parent_gives_an_empty_list(api_client, small_map):
    response = api_client.get(LIST_URL, {"parent": "9999"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_it_refuses_an_unknown_level(api_client, small_map):
    response = api_client.get(LIST_URL, {"level": "provinsi"})

    error = assert_error(response, 400, "validation_error")
    assert list(error["fields"]) == ["level"]


def test_it_pages_with_a_cursor(api_client, small_map):
    first = api_client.get(LIST_URL, {"page_size": 4}).json()
    second = api_client.get(first["next"]).json()
    rest = api_client.get(second["next"]).json()

    codes = [item["code"] for page in (first, second, rest) for item in page["results"]]
    assert codes == sorted(Region.objects.values_list("code", flat=True))
    assert rest["next"] is None


def test_the_list_takes_one_query_however_many_regions(
    api_client, small_map, django_assert_num_queries
):
    for number in range(10):
        factories.kelurahan(
            code=f"31.71.01.19{number:02d}", parent=Region.objects.get(code="31.71.01")
        )

    with django_assert_num_queries(1):
        response = api_client.get(LIST_URL, {"page_size": 100})

    assert len(response.json()["results"]) == 20


# --- Detail -----------------------------------------------------------------------------------


def test_it_shows_a_region_with_its_boundary(api_client, small_map, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get(f"{LIST_URL}31.71.01/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Gambir"
    assert body["parent"] == {"code": "31.71", "name": "Jakarta Pusat", "level": "kota"}
    assert body["bbox"] == [106.8, -6.19, 106.84, -6.16]
    assert body["boundary"]["type"] == "Polygon"
    assert body["boundary"]["coordinates"][0][0] == [106.8, -6.19]


def test_it_answers_404_for_an_unknown_code(api_client, small_map):
    assert_error(api_client.get(f"{LIST_URL}nowhere/"), 404, "not_found")


# --- Locate -----------------------------------------------------------------------------------


def test_it_locates_monas(api_client, small_map):
    response = api_client.get(LOCATE_URL, {"lat": "-6.1754", "lon": "106.8272"})

    assert response.status_code == 200
    assert response.json() == {
        "kelurahan": {"code": "31.71.01.1001", "name": "Gambir"},
        "kecamatan": {"code": "31.71.01", "name": "Gambir"},
        "kota": {"code": "31.71", "name": "Jakarta Pusat"},
    }


def test_it_locates_without_touching_the_database(api_client, small_map, django_assert_num_queries):
    api_client.get(LOCATE_URL, {"lat": "-6.1754", "lon": "106.8272"})  # builds the index

    with django_assert_num_queries(0):
        response = api_client.get(LOCATE_URL, {"lat": "-6.2", "lon": "106.85"})

    assert response.json()["kelurahan"]["name"] == "Pegangsaan"


def test_a_point_outside_jakarta_is_not_found(api_client, small_map):
    response = api_client.get(
        LOCATE_URL, {"lat": "-5.9", "lon": "106.8"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    error = assert_error(response, 404, "not_found")
    assert error["message"] == "This point is outside Jakarta."
    assert "fields" not in error


@pytest.mark.parametrize(
    ("params", "bad_fields"),
    [
        ({}, {"lat", "lon"}),
        ({"lat": "-6.1754"}, {"lon"}),
        ({"lon": "106.8272"}, {"lat"}),
        ({"lat": "", "lon": ""}, {"lat", "lon"}),
        ({"lat": "south", "lon": "106.8272"}, {"lat"}),
        ({"lat": "-6.1754", "lon": "106,8272"}, {"lon"}),
        ({"lat": "nan", "lon": "106.8272"}, {"lat"}),
        ({"lat": "-6.1754", "lon": "NaN"}, {"lon"}),
        ({"lat": "inf", "lon": "106.8272"}, {"lat"}),
        ({"lat": "-6.1754", "lon": "-Infinity"}, {"lon"}),
        ({"lat": "1e400", "lon": "106.8272"}, {"lat"}),
        ({"lat": "90.0001", "lon": "106.8272"}, {"lat"}),
        ({"lat": "-91", "lon": "106.8272"}, {"lat"}),
        ({"lat": "-6.1754", "lon": "180.5"}, {"lon"}),
        ({"lat": "-6.1754", "lon": "-181"}, {"lon"}),
    ],
)
def test_it_refuses_a_bad_point(api_client, small_map, params, bad_fields):
    response = api_client.get(LOCATE_URL, params)

    error = assert_error(response, 400, "validation_error")
    assert set(error["fields"]) == bad_fields
    assert all(error["fields"][name] for name in bad_fields)


def test_the_extreme_coordinates_are_valid_input(api_client, small_map):
    response = api_client.get(LOCATE_URL, {"lat": "90", "lon": "-180"})

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("url", [LIST_URL, LOCATE_URL, f"{LIST_URL}31.71/"])
def test_nobody_can_write_through_the_regions_api(api_client, small_map, url):
    response = api_client.post(url, {"code": "x", "name": "X"}, format="json")

    assert_error(response, 405, "method_not_allowed")
