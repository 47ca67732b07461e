"""The bundled official map (jaki/regions/wilayah): what `make run` and a deploy load first."""

import filecmp
import io
from importlib.resources import files

import pytest
import shapely
from django.core.management import call_command
from shapely.geometry import Point, shape

from jaki.regions import demo, selectors
from jaki.regions.models import Region

pytestmark = pytest.mark.django_db

KOTA, KECAMATAN, KELURAHAN = Region.Level.KOTA, Region.Level.KECAMATAN, Region.Level.KELURAHAN
LOCATE_URL = "/api/v1/regions/locate/"
MONAS = {"lat": "-6.1754", "lon": "106.8272"}
PULAU_PRAMUKA = {"lat": "-5.7456", "lon": "106.6136"}
# An island that the kecamatan Kepulauan Seribu Utara's file draws inside another of its
# islands ("nested shells"); make_valid alone would have cut it out as a hole.
NESTED_ISLAND = (-5.655538, 106.571848)


def test_it_loads_all_of_jakarta_with_the_official_parents(wilayah):
    regions = list(Region.objects.select_related("parent"))

    by_level = {level: [r for r in regions if r.level == level] for level in Region.Level}
    assert [len(by_level[level]) for level in (KOTA, KECAMATAN, KELURAHAN)] == [6, 44, 267]
    assert all(region.parent is None for region in by_level[KOTA])
    for region in by_level[KECAMATAN] + by_level[KELURAHAN]:
        # "31.71.01.1001" is a child of "31.71.01", a child of "31.71".
        assert region.parent.code == region.code.rsplit(".", 1)[0], region.code
    assert Region.objects.get(code="31.01").name == "Kabupaten Administrasi Kepulauan Seribu"
    assert "created 267, updated 0, unchanged 0, skipped 0" in wilayah
    assert "267 by code, 0 by name, 0 by close name, 0 by location, 0 unmatched" in wilayah


def test_a_second_load_changes_nothing(wilayah):
    before = dict(Region.objects.values_list("code", "updated_at"))
    out = io.StringIO()

    call_command("load_wilayah", stdout=out)

    assert dict(Region.objects.values_list("code", "updated_at")) == before
    for level, count in ((KOTA, 6), (KECAMATAN, 44), (KELURAHAN, 267)):
        assert f"{count} {level} features\n  created 0, updated 0, unchanged {count}" in (
            out.getvalue()
        )


def test_a_dry_run_saves_nothing(db):
    out = io.StringIO()

    call_command("load_wilayah", "--dry-run", stdout=out)

    assert not Region.objects.exists()
    assert "created 267" in out.getvalue()
    assert "Dry run: nothing was saved." in out.getvalue()


def test_the_demo_seed_is_the_real_map_and_idempotent():
    first, second = io.StringIO(), io.StringIO()

    demo.seed(stdout=first)
    demo.seed(stdout=second)

    assert Region.objects.count() == 6 + 44 + 267
    assert "created 267" in first.getvalue()
    assert "created 0, updated 0, unchanged 267" in second.getvalue()


def test_anyone_locates_monas_in_kelurahan_gambir(api_client, wilayah):
    response = api_client.get(LOCATE_URL, MONAS)

    assert response.status_code == 200
    assert response.json() == {
        "kelurahan": {"code": "31.71.01.1001", "name": "Gambir"},
        "kecamatan": {"code": "31.71.01", "name": "Gambir"},
        "kota": {"code": "31.71", "name": "Kota Administrasi Jakarta Pusat"},
    }


def test_anyone_locates_pulau_pramuka_in_kepulauan_seribu(api_client, wilayah):
    response = api_client.get(LOCATE_URL, PULAU_PRAMUKA)

    assert response.status_code == 200
    assert response.json() == {
        "kelurahan": {"code": "31.01.01.1001", "name": "Pulau Panggang"},
        "kecamatan": {"code": "31.01.01", "name": "Kepulauan Seribu Utara"},
        "kota": {"code": "31.01", "name": "Kabupaten Administrasi Kepulauan Seribu"},
    }


def test_the_invalid_island_groups_are_stored_repaired_and_still_cover_their_islands(wilayah):
    for code in ("31.01", "31.01.01"):
        boundary = shape(Region.objects.get(code=code).boundary)

        assert boundary.is_valid, shapely.is_valid_reason(boundary)
        assert boundary.covers(Point(NESTED_ISLAND[1], NESTED_ISLAND[0])), code
    assert selectors.locate(*NESTED_ISLAND).kelurahan.code == "31.01.01.1002"  # Pulau Kelapa


def test_every_kecamatan_s_inner_point_locates_in_one_of_its_kelurahan(api_client, wilayah):
    kecamatan = list(Region.objects.filter(level=KECAMATAN))
    assert len(kecamatan) == 44

    for region in kecamatan:
        point = shape(region.boundary).representative_point()
        response = api_client.get(LOCATE_URL, {"lat": point.y, "lon": point.x})

        assert response.status_code == 200, region.code
        body = response.json()
        assert body["kecamatan"]["code"] == region.code
        assert body["kelurahan"]["code"].startswith(f"{region.code}.")


def test_a_point_metres_off_the_kelurahan_file_s_coast_locates_within_the_tolerance(
    api_client, wilayah, settings
):
    # The kecamatan and kelurahan files were simplified upstream independently, so their edges
    # differ by metres: Kepulauan Seribu Utara's inner point lies ~8 m off Pulau Kelapa as the
    # kelurahan file draws it. Within REGIONS_LOCATE_TOLERANCE_M it is Pulau Kelapa's.
    point = shape(Region.objects.get(code="31.01.01").boundary).representative_point()
    assert not any(shape(r.boundary).covers(point) for r in Region.objects.filter(level=KELURAHAN))

    response = api_client.get(LOCATE_URL, {"lat": point.y, "lon": point.x})

    assert response.status_code == 200
    assert response.json()["kelurahan"]["code"] == "31.01.01.1002"
    assert selectors.locate_many([point.y], [point.x])[0].kelurahan.code == "31.01.01.1002"


def test_every_kelurahan_s_inner_point_locates_in_that_kelurahan(wilayah):
    kelurahan = list(Region.objects.filter(level=KELURAHAN))
    points = [shape(region.boundary).representative_point() for region in kelurahan]

    found = selectors.locate_many([p.y for p in points], [p.x for p in points])

    assert [result.kelurahan.code for result in found] == [region.code for region in kelurahan]


def test_the_bundled_files_are_the_shared_data_with_both_licence_notices(shared_data):
    bundled = files("jaki.regions") / "wilayah"
    shared = shared_data / "wilayah"
    names = sorted(path.name for path in shared.iterdir())

    assert "LICENSE.wilayah" in names and "LICENSE.wilayah_boundaries" in names
    for name in names:
        assert filecmp.cmp(shared / name, str(bundled / name), shallow=False), name
    assert "MIT" in (bundled / "README.md").read_text()
