import math
from decimal import Decimal

import numpy as np
import pytest
from django.core.cache import cache

from jaki.accounts.models import Organisation
from jaki.regions import index, selectors, services
from jaki.regions.index import RegionRef
from jaki.regions.models import Region
from tests.regions import factories
from tests.regions.factories import rectangle

pytestmark = pytest.mark.django_db

KELURAHAN = Region.Level.KELURAHAN
MONAS = (-6.1754, 106.8272)
JAVA_SEA = (-5.9, 106.8)
NORTH_OF_MENTENG = (-6.17, 106.85)  # inside the small map's overall box, in no kelurahan


def kelurahan_at(lat: float, lon: float) -> str | None:
    found = selectors.locate(lat, lon)
    return found.kelurahan.code if found else None


def test_it_locates_monas_in_gambir(small_map):
    found = selectors.locate(*MONAS)

    assert found.kelurahan == RegionRef("31.71.01.1001", "Gambir")
    assert found.kecamatan == RegionRef("31.71.01", "Gambir")
    assert found.kota == RegionRef("31.71", "Jakarta Pusat")


def test_it_finds_every_small_map_kelurahan_at_its_centre(small_map):
    for kelurahan in Region.objects.filter(level=KELURAHAN):
        min_lon, min_lat, max_lon, max_lat = kelurahan.bbox

        assert kelurahan_at((min_lat + max_lat) / 2, (min_lon + max_lon) / 2) == kelurahan.code


@pytest.mark.parametrize("point", [JAVA_SEA, NORTH_OF_MENTENG, (90, 180), (-90, -180)])
def test_it_finds_nothing_outside_every_kelurahan(small_map, point):
    assert selectors.locate(*point) is None
    assert selectors.locate_many([point[0]], [point[1]]) == [None]


@pytest.mark.parametrize(
    ("lat", "lon"), [(math.nan, 106.83), (-6.18, math.nan), (math.inf, 106.83), (-6.18, -math.inf)]
)
def test_it_finds_nothing_for_coordinates_that_are_not_finite(small_map, lat, lon):
    assert selectors.locate(lat, lon) is None
    assert selectors.locate_many([lat], [lon]) == [None]


def test_it_accepts_decimal_coordinates_as_stored_in_other_apps(small_map):
    assert kelurahan_at(Decimal("-6.175400"), Decimal("106.827200")) == "31.71.01.1001"


def test_it_finds_nothing_when_no_kelurahan_is_loaded(db):
    factories.kecamatan()  # kota and kecamatan alone do not locate

    assert selectors.locate(*MONAS) is None
    assert selectors.locate_many([MONAS[0]], [MONAS[1]]) == [None]


def test_a_point_on_a_shared_edge_or_corner_goes_to_the_lowest_code(db):
    # Four squares meeting at (106.85, -6.15), created so that the lowest code is not the first.
    squares = {
        "k4": (106.80, -6.20, 106.85, -6.15),  # south-west
        "k3": (106.85, -6.20, 106.90, -6.15),  # south-east
        "k2": (106.80, -6.15, 106.85, -6.10),  # north-west
        "k1": (106.85, -6.15, 106.90, -6.10),  # north-east
    }
    for code, bounds in squares.items():
        factories.region(code=code, level=KELURAHAN, bounds=bounds)
    on_edges = {
        (-6.15, 106.85): "k1",  # the corner touches all four
        (-6.175, 106.85): "k3",  # k4 | k3
        (-6.125, 106.85): "k1",  # k2 | k1
        (-6.15, 106.825): "k2",  # k4 / k2
        (-6.15, 106.875): "k1",  # k3 / k1
        (-6.20, 106.80): "k4",  # the outer corner: boundaries belong to their kelurahan
    }

    for (lat, lon), code in on_edges.items():
        assert kelurahan_at(lat, lon) == code, (lat, lon)
        assert kelurahan_at(lat, lon) == code, "the same answer every time"
    lats, lons = zip(*on_edges, strict=True)
    assert [found.kelurahan.code for found in selectors.locate_many(lats, lons)] == list(
        on_edges.values()
    )


def test_locate_many_agrees_with_locate(small_map):
    rng = np.random.default_rng(7)
    lats = np.concatenate([rng.uniform(-6.26, -6.15, 3000), [-6.19, -6.19, -6.215, -6.16]])
    lons = np.concatenate([rng.uniform(106.79, 106.88, 3000), [106.815, 106.83, 106.845, 106.8]])

    many = selectors.locate_many(lats, lons)

    assert many == [selectors.locate(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert sum(found is not None for found in many) > 500


def test_locate_many_refuses_lists_of_different_lengths(small_map):
    with pytest.raises(ValueError):
        selectors.locate_many([1.0, 2.0], [1.0])


def test_it_answers_from_memory_without_queries(small_map, django_assert_num_queries):
    selectors.locate(*MONAS)  # builds the index

    with django_assert_num_queries(0):
        for _ in range(100):
            assert kelurahan_at(*MONAS) == "31.71.01.1001"
        selectors.locate_many([MONAS[0]] * 100, [MONAS[1]] * 100)


def test_the_index_is_built_once_and_reused(small_map):
    assert index.current_index() is index.current_index()


def test_the_index_sees_a_new_kelurahan(small_map):
    assert selectors.locate(*NORTH_OF_MENTENG) is None

    factories.region(
        code="31.71.01.9999",
        level=KELURAHAN,
        name="Pasar Baru",
        parent=Region.objects.get(code="31.71.01"),
        bounds=(106.845, -6.18, 106.86, -6.16),
    )

    assert kelurahan_at(*NORTH_OF_MENTENG) == "31.71.01.9999"


def test_the_index_sees_a_moved_kelurahan(small_map):
    assert kelurahan_at(*MONAS) == "31.71.01.1001"

    services.region_upsert(
        code="31.71.01.1001",
        name="Gambir",
        level=KELURAHAN,
        parent=Region.objects.get(code="31.71.01"),
        boundary=rectangle(106.83, -6.19, 106.84, -6.16),  # no longer reaching Monas
    )

    assert selectors.locate(*MONAS) is None


def test_the_index_sees_a_renamed_kecamatan(small_map):
    services.region_upsert(
        code="31.71.01",
        name="Gambir Raya",
        level="kecamatan",
        parent=Region.objects.get(code="31.71"),
    )

    assert selectors.locate(*MONAS).kecamatan == RegionRef("31.71.01", "Gambir Raya")


def test_the_index_forgets_a_deleted_kelurahan(small_map):
    assert kelurahan_at(*MONAS) == "31.71.01.1001"
    # A region's office holds it (PROTECT): the office goes first, as an operator must do it.
    Organisation.objects.filter(region__code="31.71.01.1001").delete()

    Region.objects.get(code="31.71.01.1001").delete()

    assert selectors.locate(*MONAS) is None


def test_a_committed_change_bumps_the_version_other_processes_watch(
    small_map, django_capture_on_commit_callbacks
):
    selectors.locate(*MONAS)
    before = cache.get(index.VERSION_CACHE_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        factories.kota(code="31.72", name="Jakarta Utara", bounds=(106.7, -6.15, 107.0, -6.08))

    assert cache.get(index.VERSION_CACHE_KEY) != before


def test_the_index_notices_a_change_made_by_another_process(small_map, settings):
    settings.REGIONS_INDEX_CHECK_SECONDS = 0
    assert selectors.locate(*MONAS).kelurahan.name == "Gambir"
    # Another process writes (no signal reaches this one) ...
    Region.objects.filter(code="31.71.01.1001").update(name="Gambir Baru")
    assert selectors.locate(*MONAS).kelurahan.name == "Gambir"

    cache.incr(index.VERSION_CACHE_KEY)  # ... and publishes a new version after its commit.

    assert selectors.locate(*MONAS).kelurahan.name == "Gambir Baru"


def test_the_index_checks_other_processes_only_every_few_seconds(small_map, settings):
    settings.REGIONS_INDEX_CHECK_SECONDS = 3600
    assert selectors.locate(*MONAS).kelurahan.name == "Gambir"
    Region.objects.filter(code="31.71.01.1001").update(name="Gambir Baru")
    cache.incr(index.VERSION_CACHE_KEY)

    assert selectors.locate(*MONAS).kelurahan.name == "Gambir"  # not yet checked

    settings.REGIONS_INDEX_CHECK_SECONDS = 0  # as if the interval had passed

    assert selectors.locate(*MONAS).kelurahan.name == "Gambir Baru"


def test_it_locates_in_the_real_jakarta_kelurahan(jakarta):
    monas = selectors.locate(*MONAS)

    assert monas.kelurahan.name == "Gambir"
    assert monas.kecamatan.name == "Gambir"
    assert monas.kota.name == "Jakarta Pusat"
    assert selectors.locate(*JAVA_SEA) is None


def test_locate_many_agrees_with_locate_on_the_real_jakarta_kelurahan(jakarta):
    bounds = [region.bbox for region in Region.objects.filter(level=KELURAHAN)]
    rng = np.random.default_rng(11)
    lats = rng.uniform(min(b[1] for b in bounds), max(b[3] for b in bounds), 5000)
    lons = rng.uniform(min(b[0] for b in bounds), max(b[2] for b in bounds), 5000)

    many = selectors.locate_many(lats, lons)

    assert many == [selectors.locate(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert 0.5 < sum(found is not None for found in many) / len(many) < 0.8
