import json
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from jaki.regions import selectors
from jaki.regions.management.commands.load_regions import display_name
from jaki.regions.models import Region
from tests.regions.conftest import KECAMATAN_FILE, KELURAHAN_FILE, KOTA_FILE, load
from tests.regions.factories import rectangle

pytestmark = pytest.mark.django_db

KOTA, KECAMATAN, KELURAHAN = Region.Level.KOTA, Region.Level.KECAMATAN, Region.Level.KELURAHAN
JAKARTA_KOTA = {
    "Jakarta Barat",
    "Jakarta Pusat",
    "Jakarta Selatan",
    "Jakarta Timur",
    "Jakarta Utara",
}


def feature(properties: dict, bounds: tuple | None = None) -> dict:
    geometry = rectangle(*bounds) if bounds else None
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def geojson_file(tmp_path: Path, *features: dict, name: str = "regions.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


# --- The real files ---------------------------------------------------------------------------


def test_it_loads_the_real_jakarta_files(jakarta):
    assert Region.objects.filter(level=KOTA).count() == 5
    assert Region.objects.filter(level=KECAMATAN).count() == 42
    assert Region.objects.filter(level=KELURAHAN).count() == 253
    assert set(Region.objects.filter(level=KOTA).values_list("name", flat=True)) == JAKARTA_KOTA
    assert not Region.objects.filter(min_lat__isnull=True).exists()
    assert max(len(code) for code in Region.objects.values_list("code", flat=True)) <= 64
    kebayoran_baru = Region.objects.get(code="jakarta-selatan.kebayoran-baru")
    assert kebayoran_baru.name == "Kebayoran Baru"
    assert kebayoran_baru.parent.name == "Jakarta Selatan"
    assert "created 253, updated 0, unchanged 0, skipped 0" in jakarta["kelurahan"]


def test_every_real_kecamatan_and_kelurahan_gets_the_right_parent(jakarta, shared_data):
    assert not Region.objects.filter(level=KECAMATAN).exclude(parent__level=KOTA).exists()
    assert not Region.objects.filter(level=KELURAHAN).exclude(parent__level=KECAMATAN).exists()
    # The kelurahan file names each one's kota too: the kecamatan found by location must agree.
    features = json.loads((shared_data / KELURAHAN_FILE).read_text())["features"]
    expected = {
        display_name(f["properties"]["DESA/KELURAHAN"]): display_name(
            f["properties"]["KABUPATEN/KOTA"]
        )
        for f in features
    }
    kelurahan = Region.objects.filter(level=KELURAHAN).select_related("parent__parent")
    assert {k.name: k.parent.parent.name for k in kelurahan} == expected


def test_it_matches_the_kelurahan_file_s_own_spellings_of_palmerah_and_kramat_jati(jakarta):
    palmerah = Region.objects.get(level=KECAMATAN, name="Palmerah")
    kramat_jati = Region.objects.get(level=KECAMATAN, name="Kramat Jati")

    assert palmerah.children.count() == 6
    assert kramat_jati.children.count() == 7
    assert Region.objects.get(code="jakarta-barat.palmerah.kota-bambu-utara").parent == palmerah
    assert "“PAL MERAH” -> Palmerah (6 kelurahan)" in jakarta["kelurahan"]
    assert "“KRAMATJATI” -> Kramat Jati (7 kelurahan)" in jakarta["kelurahan"]


def test_a_second_run_updates_nothing_and_duplicates_nothing(jakarta, shared_data):
    before = dict(Region.objects.values_list("code", "updated_at"))

    again = [
        load(shared_data / KOTA_FILE, "--level", "kota", "--name-field", "name"),
        load(shared_data / KECAMATAN_FILE, "--level", "kecamatan", "--name-field", "name"),
        load(
            shared_data / KELURAHAN_FILE,
            "--level=kelurahan",
            "--name-field=DESA/KELURAHAN",
            "--parent-field=KECAMATAN",
        ),
    ]

    assert "created 0, updated 0, unchanged 5" in again[0]
    assert "created 0, updated 0, unchanged 42" in again[1]
    assert "created 0, updated 0, unchanged 253" in again[2]
    assert dict(Region.objects.values_list("code", "updated_at")) == before


def test_a_changed_file_updates_the_regions_with_the_same_codes(jakarta, tmp_path, shared_data):
    data = json.loads((shared_data / KOTA_FILE).read_text())
    for kota in data["features"]:
        kota["properties"]["name"] = kota["properties"]["name"].upper()
    data["features"][0]["geometry"]["coordinates"][0].reverse()  # same shape, other winding
    changed = tmp_path / "kota_upper.geojson"
    changed.write_text(json.dumps(data))

    output = load(changed, "--level", "kota", "--name-field", "name")

    assert "created 0, updated 1, unchanged 4" in output
    assert Region.objects.filter(level=KOTA).count() == 5


def test_a_dry_run_saves_nothing(db, shared_data):
    output = load(shared_data / KOTA_FILE, "--level", "kota", "--name-field", "name", "--dry-run")

    assert "created 5" in output
    assert "Dry run: nothing was saved." in output
    assert not Region.objects.exists()


def test_loading_kelurahan_rebuilds_the_locate_index(db, shared_data):
    load(shared_data / KOTA_FILE, "--level", "kota", "--name-field", "name")
    load(shared_data / KECAMATAN_FILE, "--level", "kecamatan", "--name-field", "name")
    assert selectors.locate(-6.1754, 106.8272) is None  # no kelurahan yet

    load(
        shared_data / KELURAHAN_FILE,
        "--level=kelurahan",
        "--name-field=DESA/KELURAHAN",
        "--parent-field=KECAMATAN",
    )

    assert selectors.locate(-6.1754, 106.8272).kecamatan.name == "Gambir"


# --- Parents: fallbacks and failures (small files) ---------------------------------------------


def test_it_falls_back_to_a_close_name_then_to_location_and_reports_both(small_map, tmp_path):
    path = geojson_file(
        tmp_path,
        # In Gambir, spelled wrong: a close name that the geometry confirms.
        feature({"nama": "PETOJO", "kec": "GAMBIRR"}, (106.801, -6.189, 106.809, -6.181)),
        # Says Gambir-ish but lies in Menteng: the close name is refused, location wins.
        feature({"nama": "KEBON SIRIH", "kec": "GAMBIRR"}, (106.822, -6.21, 106.83, -6.2)),
        # An unknown kecamatan inside Tebet's rectangle: found by location.
        feature({"nama": "MANGGARAI", "kec": "ATLANTIS"}, (106.845, -6.245, 106.85, -6.24)),
        feature({"nama": "CIKINI", "kec": "MENTENG"}, (106.84, -6.2, 106.844, -6.195)),
    )

    output = load(path, "--level=kelurahan", "--name-field=nama", "--parent-field=kec")

    loaded = Region.objects.filter(name__in=["Petojo", "Kebon Sirih", "Manggarai", "Cikini"])
    parents = dict(loaded.values_list("name", "parent__name"))
    assert parents == {
        "Petojo": "Gambir",
        "Kebon Sirih": "Menteng",
        "Manggarai": "Tebet",
        "Cikini": "Menteng",
    }
    assert Region.objects.get(name="Petojo").code == "31.71.01.petojo"
    assert "1 by name, 1 by close name, 2 by location, 0 unmatched" in output
    assert "kelurahan Petojo for “GAMBIRR” -> Gambir: close name" in output
    assert "kelurahan Kebon Sirih for “GAMBIRR” -> Menteng: location" in output
    assert "kelurahan Manggarai for “ATLANTIS” -> Tebet: location" in output


def test_it_reports_every_failure_and_loads_the_rest(small_map, tmp_path):
    path = geojson_file(
        tmp_path,
        feature({"nama": "ANCOL", "kec": "PADEMANGAN"}, (106.81, -6.13, 106.84, -6.12)),
        feature({"nama": "NO SHAPE", "kec": "GAMBIR"}),
        feature({"kec": "GAMBIR"}, (106.81, -6.18, 106.82, -6.17)),
        feature({"nama": "CIDENG", "kec": "GAMBIR"}, (106.801, -6.189, 106.809, -6.181)),
    )

    output = load(path, "--level=kelurahan", "--name-field=nama", "--parent-field=kec")

    assert Region.objects.filter(code="31.71.01.cideng").exists()
    assert not Region.objects.filter(name__in=["Ancol", "No Shape"]).exists()
    assert "created 1, updated 0, unchanged 0, skipped 3" in output
    assert "No parent kecamatan found for:\n    Ancol (“PADEMANGAN”)" in output
    assert "No Shape: no geometry" in output
    assert "feature #3: no name in “nama”" in output


def test_a_code_field_gives_codes_and_lets_an_orphan_in(small_map, tmp_path):
    path = geojson_file(
        tmp_path,
        feature({"nama": "ANCOL", "kode": "31.72.01.1001"}, (106.81, -6.13, 106.84, -6.12)),
        feature({"nama": "CIDENG", "kode": "31.71.01.1002"}, (106.801, -6.189, 106.809, -6.181)),
    )

    output = load(path, "--level=kelurahan", "--name-field=nama", "--code-field=kode")

    ancol = Region.objects.get(code="31.72.01.1001")
    assert (ancol.name, ancol.parent) == ("Ancol", None)
    assert Region.objects.get(code="31.71.01.1002").parent.code == "31.71.01"
    assert "created 1, updated 1" in output


# --- Bad input --------------------------------------------------------------------------------


def test_it_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        load(tmp_path / "missing.geojson", "--level=kota", "--name-field=name")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "is not a JSON file"),
        (
            '{"type": "Feature", "geometry": null, "properties": {}}',
            "not a GeoJSON FeatureCollection",
        ),
        ('{"type": "FeatureCollection", "features": {}}', "is not a list"),
        ('{"type": "FeatureCollection", "features": [42]}', "feature #1 is not a GeoJSON Feature"),
        (
            '{"type": "FeatureCollection", "features": [], '
            '"crs": {"type": "name", "properties": {"name": "EPSG:32748"}}}',
            "convert it to WGS84",
        ),
    ],
)
def test_it_refuses_a_file_that_is_not_wgs84_geojson(db, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        load(path, "--level=kota", "--name-field=name")


def test_it_refuses_an_unknown_field_before_writing_anything(db, shared_data):
    with pytest.raises(CommandError, match=r"--name-field “NAMA”: no feature has this property"):
        load(shared_data / KOTA_FILE, "--level=kota", "--name-field=NAMA")
    with pytest.raises(CommandError, match="--code-field “kode”"):
        load(shared_data / KOTA_FILE, "--level=kota", "--name-field=name", "--code-field=kode")

    assert not Region.objects.exists()


def test_it_refuses_a_parent_field_for_kota(db, shared_data):
    with pytest.raises(CommandError, match="A kota has no parent"):
        load(shared_data / KOTA_FILE, "--level=kota", "--name-field=name", "--parent-field=name")


def test_it_refuses_kelurahan_before_their_kecamatan_are_loaded(db, shared_data):
    load(shared_data / KOTA_FILE, "--level", "kota", "--name-field", "name")

    with pytest.raises(CommandError, match="No kecamatan is loaded yet"):
        load(
            shared_data / KELURAHAN_FILE,
            "--level=kelurahan",
            "--name-field=DESA/KELURAHAN",
            "--parent-field=KECAMATAN",
        )

    assert not Region.objects.filter(level=KELURAHAN).exists()


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (" Jakarta Selatan", "Jakarta Selatan"),
        ("KEBAYORAN BARU", "Kebayoran Baru"),
        ("HALIM  PERDANA KUSUMA ", "Halim Perdana Kusuma"),
        ("JUM'AT", "Jum'at"),
        ("kelapa dua wetan", "Kelapa Dua Wetan"),
        ("Pasar Minggu", "Pasar Minggu"),
    ],
)
def test_names_are_stored_title_cased(raw, name):
    assert display_name(raw) == name


def test_a_parent_code_field_finds_parents_by_code_and_falls_back_to_location(small_map, tmp_path):
    path = geojson_file(
        tmp_path,
        feature(
            {"nama": "Kebon Kelapa", "kode": "31.71.01.1003", "parent": "31.71.01"},
            (106.801, -6.189, 106.809, -6.181),
        ),
        # A parent code that names no loaded kecamatan: found where it lies (Menteng).
        feature(
            {"nama": "Gondangdia", "kode": "31.71.06.1004", "parent": "31.71.99"},
            (106.822, -6.21, 106.83, -6.2),
        ),
    )

    output = load(
        path,
        "--level=kelurahan",
        "--name-field=nama",
        "--code-field=kode",
        "--parent-code-field=parent",
    )

    assert Region.objects.get(code="31.71.01.1003").parent.code == "31.71.01"
    assert Region.objects.get(code="31.71.06.1004").parent.code == "31.71.06"
    assert "1 by code, 0 by name, 0 by close name, 1 by location, 0 unmatched" in output
    assert "kelurahan Gondangdia for “31.71.99” -> Menteng: location" in output


def test_it_refuses_a_parent_given_both_by_name_and_by_code(small_map, tmp_path):
    path = geojson_file(
        tmp_path, feature({"nama": "X", "kec": "GAMBIR"}, (106.8, -6.2, 106.81, -6.19))
    )

    with pytest.raises(CommandError, match="not allowed with argument"):
        load(
            path,
            "--level=kelurahan",
            "--name-field=nama",
            "--parent-field=kec",
            "--parent-code-field=kec",
        )
