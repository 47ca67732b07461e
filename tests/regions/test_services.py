import pytest
from shapely.geometry import shape

from jaki.regions import services
from jaki.regions.models import Region
from jaki.regions.services import InvalidRegion, Outcome, RegionInput
from tests.regions import factories
from tests.regions.factories import rectangle

pytestmark = pytest.mark.django_db

KOTA, KECAMATAN, KELURAHAN = Region.Level.KOTA, Region.Level.KECAMATAN, Region.Level.KELURAHAN


def test_it_sets_the_bbox_from_the_boundary():
    region, outcome = services.region_upsert(
        code="31.71", name="Jakarta Pusat", level=KOTA, boundary=rectangle(106.8, -6.2, 106.9, -6.1)
    )

    region.refresh_from_db()
    assert outcome == Outcome.CREATED
    assert region.bbox == [106.8, -6.2, 106.9, -6.1]


def test_a_region_without_a_boundary_has_no_bbox():
    region = factories.kota(bounds=None)

    assert region.bbox is None


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Point", "coordinates": [106.8, -6.2]},
        {"type": "LineString", "coordinates": [[106.8, -6.2], [106.9, -6.1]]},
        {"type": "Polygon", "coordinates": "nope"},
        {"type": "Polygon", "coordinates": []},
        "POLYGON ((0 0, 1 0, 1 1, 0 0))",
    ],
)
def test_it_refuses_a_boundary_that_is_not_a_polygon(boundary):
    with pytest.raises(InvalidRegion):
        services.region_upsert(code="x", name="X", level=KOTA, boundary=boundary)

    assert not Region.objects.exists()


def test_it_refuses_coordinates_that_are_not_degrees():
    projected = rectangle(700000, 9300000, 710000, 9310000)  # UTM metres, not lon/lat

    with pytest.raises(InvalidRegion):
        services.region_upsert(code="x", name="X", level=KOTA, boundary=projected)


def test_it_repairs_a_self_intersecting_boundary():
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[106.8, -6.2], [106.9, -6.1], [106.9, -6.2], [106.8, -6.1], [106.8, -6.2]]
        ],
    }

    region, _ = services.region_upsert(code="x", name="X", level=KOTA, boundary=bow_tie)

    repaired = shape(region.boundary)
    assert repaired.is_valid
    assert repaired.geom_type == "MultiPolygon"
    assert region.bbox == pytest.approx([106.8, -6.2, 106.9, -6.1])


@pytest.mark.parametrize(
    ("level", "parent_level"),
    [(KOTA, KOTA), (KECAMATAN, KECAMATAN), (KECAMATAN, KELURAHAN), (KELURAHAN, KOTA)],
)
def test_it_refuses_a_parent_that_is_not_the_level_above(level, parent_level):
    gambir = factories.kelurahan(code="31.71.01.1001")
    parents = {KELURAHAN: gambir, KECAMATAN: gambir.parent, KOTA: gambir.parent.parent}

    with pytest.raises(InvalidRegion):
        services.region_upsert(
            code="child", name="Child", level=level, parent=parents[parent_level]
        )

    assert not Region.objects.filter(code="child").exists()


def test_orphans_are_allowed_below_kota_because_files_lack_parents():
    region, _ = services.region_upsert(code="orphan", name="Orphan", level=KELURAHAN)

    assert region.parent is None


def test_it_refuses_a_level_change_that_would_strand_children():
    gambir = factories.kecamatan(code="31.71.01")
    factories.kelurahan(code="31.71.01.1001", parent=gambir)

    with pytest.raises(InvalidRegion):
        services.region_upsert(code="31.71.01", name="Gambir", level=KELURAHAN)


@pytest.mark.parametrize("code", ["", "a/b", "with space", "x" * 65, "-leading-dash"])
def test_it_refuses_a_code_that_cannot_travel_in_a_url(code):
    with pytest.raises(InvalidRegion):
        services.region_upsert(code=code, name="X", level=KOTA)


def test_an_upsert_updates_the_region_with_the_same_code():
    factories.kota(code="31.71", name="Jakarta Pusat")

    region, outcome = services.region_upsert(
        code="31.71",
        name="Jakarta  Pusat ",
        level=KOTA,
        boundary=rectangle(106.7, -6.3, 106.9, -6.1),
    )

    assert outcome == Outcome.UPDATED
    assert Region.objects.count() == 1
    assert region.name == "Jakarta Pusat"
    assert region.bbox == [106.7, -6.3, 106.9, -6.1]


def test_an_identical_upsert_writes_nothing():
    original = factories.kota(code="31.71", name="Jakarta Pusat")

    region, outcome = services.region_upsert(
        code="31.71", name="Jakarta Pusat", level=KOTA, boundary=original.boundary
    )

    assert outcome == Outcome.UNCHANGED
    assert region.updated_at == original.updated_at


def test_a_bulk_upsert_reports_what_it_created_updated_kept_and_skipped():
    pusat = factories.kota(code="31.71")
    factories.kecamatan(
        code="31.71.01", name="Gambir", parent=pusat, bounds=(106.8, -6.2, 106.85, -6.15)
    )
    factories.kecamatan(
        code="31.71.06", name="Menteng", parent=pusat, bounds=(106.8, -6.2, 106.85, -6.15)
    )
    items = [
        RegionInput("31.71.01", "Gambir", pusat, rectangle(106.8, -6.2, 106.85, -6.15)),
        RegionInput("31.71.06", "Menteng Baru", pusat, rectangle(106.8, -6.2, 106.85, -6.15)),
        RegionInput("31.71.02", "Tanah Abang", pusat, rectangle(106.79, -6.22, 106.82, -6.18)),
        RegionInput("31.71.99", "Broken", pusat, {"type": "Point", "coordinates": [1, 2]}),
        RegionInput("31.71.02", "Tanah Abang again", pusat, None),
        RegionInput("31.71", "Clash with the kota", pusat, None),
    ]

    result = services.regions_bulk_upsert(level=KECAMATAN, items=items)

    assert result.created == ["31.71.02"]
    assert result.updated == ["31.71.06"]
    assert result.unchanged == ["31.71.01"]
    assert [label for label, _reason in result.skipped] == [
        "Broken",
        "Tanah Abang again",
        "Clash with the kota",
    ]
    tanah_abang = Region.objects.get(code="31.71.02")
    assert tanah_abang.bbox == [106.79, -6.22, 106.82, -6.18]
    assert Region.objects.get(code="31.71.06").name == "Menteng Baru"


def test_the_small_map_s_kelurahan_tile_their_kecamatan_inside_their_kota(small_map):
    for kecamatan in Region.objects.filter(level=KECAMATAN).select_related("parent"):
        area = shape(kecamatan.boundary)
        pieces = [shape(k.boundary) for k in kecamatan.children.all()]
        assert pieces, kecamatan
        assert sum(piece.area for piece in pieces) == pytest.approx(area.area)
        assert all(area.covers(piece) for piece in pieces)
        assert shape(kecamatan.parent.boundary).covers(area)
