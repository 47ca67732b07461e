"""Regions for services: area -> kelurahan, locate_kelurahan, the tolerance, nearby, bboxes."""

import math

import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import mapping, shape

from jaki.notifications.models import Device
from jaki.regions import geo, index, selectors
from jaki.regions.models import Region
from tests.regions.factories import rectangle

pytestmark = pytest.mark.django_db

KELURAHAN = Region.Level.KELURAHAN
MONAS = (-6.1754, 106.8272)
DEVICES_URL = "/api/v1/devices/"


def codes(refs) -> list[str]:
    return [ref.code for ref in refs]


def kelurahan_of_kota(code: str) -> list[str]:
    """From the data's own parent codes, not from geometry."""
    return sorted(
        Region.objects.filter(level=KELURAHAN, parent__parent__code=code).values_list(
            "code", flat=True
        )
    )


def metres_east(lat: float, lon: float, metres: float) -> float:
    """The longitude `metres` east of (lat, lon) along its parallel."""
    return lon + math.degrees(metres / (geo.EARTH_RADIUS_M * math.cos(math.radians(lat))))


# --- Area -> kelurahan -------------------------------------------------------------------------


def test_jakarta_pusat_s_own_boundary_covers_exactly_its_kelurahan_by_share(wilayah):
    jakarta_pusat = Region.objects.get(code="31.71").boundary

    mostly = selectors.kelurahan_covering(jakarta_pusat, min_share=0.5)

    assert codes(mostly) == kelurahan_of_kota("31.71")
    assert len(mostly) == 44


def test_touching_counts_as_covered_so_a_kota_from_another_file_reaches_its_neighbours(wilayah):
    # The kota and kelurahan files were simplified separately: their edges differ by metres,
    # so the kota's own boundary also touches the kelurahan around it. That is why min_share.
    touched = codes(selectors.kelurahan_covering(Region.objects.get(code="31.71").boundary))

    assert set(kelurahan_of_kota("31.71")) < set(touched)
    assert all(
        code.startswith(("31.71.", "31.72.", "31.73.", "31.74.", "31.75.")) for code in touched
    )


def test_a_polygon_drawn_inside_jakarta_pusat_s_kelurahan_covers_exactly_them(wilayah):
    inside = [shape(r.boundary) for r in Region.objects.filter(parent__parent__code="31.71")]
    # ~20 m inside their outline: kelurahan of neighbouring kota overlap them by up to ~10 m,
    # the files of each kota having been simplified on their own.
    area = mapping(shapely.union_all(inside).buffer(-2e-4))

    assert codes(selectors.kelurahan_covering(area)) == kelurahan_of_kota("31.71")


def test_a_circle_across_a_kecamatan_border_covers_kelurahan_of_both(wilayah):
    # Monas is in kecamatan Gambir; 2 km reaches into Menteng, Sawah Besar and Tanah Abang.
    circle = {"type": "Circle", "lat": MONAS[0], "lon": MONAS[1], "radius_m": 2000}

    covered = codes(selectors.kelurahan_covering(circle))

    assert "31.71.01.1001" in covered  # Gambir itself
    kecamatan = {code.rsplit(".", 1)[0] for code in covered}
    assert {"31.71.01", "31.71.06"} <= kecamatan
    # The same answer as testing every kelurahan in turn, in metres, without the tree.
    naive = []
    for region in Region.objects.filter(level=KELURAHAN).order_by("code"):
        local = geo.Circle(MONAS[0], MONAS[1], 2000).to_local(shape(region.boundary))
        if local.distance(shape({"type": "Point", "coordinates": [0, 0]})) <= 2000:
            naive.append(region.code)
    assert covered == naive


def test_a_circle_reaches_a_kelurahan_exactly_at_its_radius(small_map):
    # Cideng's east edge is the meridian 106.815; the centre lies in Gambir, east of it.
    lat, lon = -6.175, 106.820
    edge = float(geo.haversine_m(lat, lon, [lat], [106.815])[0])

    short = selectors.kelurahan_covering(
        {"type": "Circle", "lat": lat, "lon": lon, "radius_m": edge - 1}
    )
    long = selectors.kelurahan_covering(
        {"type": "Circle", "lat": lat, "lon": lon, "radius_m": edge + 1}
    )

    assert codes(short) == ["31.71.01.1001"]
    assert codes(long) == ["31.71.01.1001", "31.71.01.1002"]


def test_a_cap_circle_in_kilometres_is_the_same_circle_in_metres(small_map):
    in_km = geo.cap_circle("-6.175,106.820 0.6")

    assert in_km == {"type": "Circle", "lat": -6.175, "lon": 106.82, "radius_km": 0.6}
    assert selectors.kelurahan_covering(in_km) == selectors.kelurahan_covering(
        {"type": "Circle", "lat": -6.175, "lon": 106.82, "radius_m": 600}
    )


def test_a_list_of_parts_covers_their_union(small_map):
    tebet = rectangle(106.85, -6.24, 106.86, -6.23)
    cideng = {"type": "Circle", "lat": -6.175, "lon": 106.805, "radius_m": 100}

    assert codes(selectors.kelurahan_covering([tebet, cideng])) == [
        "31.71.01.1002",
        "31.74.01.1001",
    ]


def test_min_share_keeps_only_kelurahan_mostly_inside(small_map):
    # Gambir is 106.815..106.840; the box holds 80% of it and a sliver of Cideng.
    box = rectangle(106.814, -6.189, 106.835, -6.161)

    assert codes(selectors.kelurahan_covering(box)) == ["31.71.01.1001", "31.71.01.1002"]
    assert codes(selectors.kelurahan_covering(box, min_share=0.5)) == ["31.71.01.1001"]
    assert codes(selectors.kelurahan_covering(box, min_share=0.81)) == []


def test_an_area_over_the_sea_covers_nothing(small_map):
    assert (
        selectors.kelurahan_covering({"type": "Circle", "lat": -5.9, "lon": 106.8, "radius_m": 500})
        == []
    )


def test_covering_answers_from_memory(small_map, django_assert_num_queries):
    selectors.locate(*MONAS)  # builds the index

    with django_assert_num_queries(0):
        selectors.kelurahan_covering(
            {"type": "Circle", "lat": MONAS[0], "lon": MONAS[1], "radius_m": 5000}
        )


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ({"type": "Circle", "lat": math.nan, "lon": 106.8, "radius_m": 100}, "finite"),
        ({"type": "Circle", "lat": -6.2, "lon": 106.8, "radius_m": 2_000_000}, "at most"),
        ({"type": "Circle", "lat": -6.2, "lon": 106.8, "radius_m": 0}, "more than 0"),
        ({"type": "Circle", "lat": -6.2, "lon": 106.8}, "radius_m"),
        ({"type": "Circle", "lat": -6.2, "lon": 106.8, "radius_m": 1, "radius_km": 1}, "one of"),
        ({"type": "Circle", "lat": 0, "lon": 179.99, "radius_m": 5000}, "antimeridian"),
        ({"type": "Circle", "lat": 89.99, "lon": 0, "radius_m": 5000}, "pole"),
        (rectangle(-179.5, -6.3, 179.5, -6.1), "antimeridian"),
        (rectangle(106.8, -6.3, 186.8, -6.1), "out of range"),
        ({"type": "Point", "coordinates": [106.8, -6.2]}, "Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "valid",
        ),  # a bow-tie
        ([], "list"),
        ("-6.2,106.8 5", "list"),
    ],
)
def test_it_refuses_an_area_it_cannot_cover(small_map, area, message, settings):
    settings.LANGUAGE_CODE = "en"

    with pytest.raises(geo.InvalidArea, match=message) as raised:
        selectors.kelurahan_covering(area)

    assert raised.value.status_code == 400


@pytest.mark.parametrize("min_share", [-0.1, 1.5, math.nan, "half"])
def test_it_refuses_a_share_outside_0_to_1(small_map, min_share):
    with pytest.raises(geo.InvalidArea):
        selectors.kelurahan_covering(rectangle(106.8, -6.2, 106.9, -6.1), min_share=min_share)


# --- Point -> the Region row, and the tolerance ------------------------------------------------


def test_locate_kelurahan_gives_the_region_row_in_one_query(small_map, django_assert_num_queries):
    ref = selectors.locate(*MONAS).kelurahan

    with django_assert_num_queries(1):
        region = selectors.locate_kelurahan(*MONAS)

    assert region == Region.objects.get(code="31.71.01.1001")
    assert region.pk == ref.id
    with django_assert_num_queries(0):
        assert selectors.locate_kelurahan(-5.9, 106.8) is None


def test_a_point_just_outside_a_kelurahan_belongs_to_it_within_the_tolerance(small_map, settings):
    lat = -6.175  # Gambir's east edge is 106.840, with no kelurahan beyond it
    near, far = metres_east(lat, 106.840, 30), metres_east(lat, 106.840, 80)

    assert selectors.locate(lat, near).kelurahan.code == "31.71.01.1001"
    assert selectors.locate(lat, far) is None
    assert codes(r.kelurahan for r in selectors.locate_many([lat], [near])) == ["31.71.01.1001"]
    assert selectors.locate_many([lat], [far]) == [None]

    settings.REGIONS_LOCATE_TOLERANCE_M = 0
    index.drop_local()
    assert selectors.locate(lat, near) is None


def test_a_point_between_two_kelurahan_goes_to_the_nearer(db):
    from tests.regions import factories

    factories.region(code="k1", level=KELURAHAN, bounds=(106.80, -6.20, 106.81, -6.19))
    factories.region(code="k2", level=KELURAHAN, bounds=(106.8106, -6.20, 106.82, -6.19))
    # The gap is ~66 m wide: 20 m east of k1 is 46 m west of k2.
    point = (-6.195, metres_east(-6.195, 106.81, 20))

    assert selectors.locate(*point).kelurahan.code == "k1"
    assert selectors.locate(-6.195, metres_east(-6.195, 106.81, 50)).kelurahan.code == "k2"


# --- Nearby and bounding boxes, on any table with lat/lon columns ------------------------------


def register_device(client, token: str, lat: float, lon: float) -> None:
    response = client.post(
        DEVICES_URL,
        {"token": f"tok-{token}" + "x" * 100, "platform": "android", "lat": lat, "lon": lon},
    )
    assert response.status_code == 201, response.json()


def test_nearby_orders_registered_devices_by_distance_and_cuts_at_the_radius(resident, as_user):
    client = as_user(resident)
    lat, lon = -6.2, 106.85
    for name, metres in [("far", 1001), ("edge", 999.5), ("near", 10), ("mid", 500)]:
        register_device(client, name, lat, metres_east(lat, lon, metres))
    register_device(client, "north", lat + 0.005, lon)  # ~556 m north

    def names(found):
        return [device.token.removeprefix("tok-").rstrip("x") for device, _ in found]

    found = selectors.nearby(Device.objects.filter(is_active=True), lat=lat, lon=lon, radius_m=1000)

    assert names(found) == ["near", "mid", "north", "edge"]
    assert [distance for _, distance in found] == pytest.approx([10, 500, 556, 999.5], abs=0.5)
    top_two = selectors.nearby(Device.objects.all(), lat=lat, lon=lon, radius_m=1000, limit=2)
    assert names(top_two) == ["near", "mid"]


def test_nearby_works_on_other_column_names_and_skips_rows_without_a_point(small_map):
    # Regions have no point columns, but their bbox corners serve as any lat/lon pair would.
    found = selectors.nearby(
        Region.objects.filter(level=KELURAHAN),
        lat=-6.190,
        lon=106.815,
        radius_m=100,
        lat_field="min_lat",
        lon_field="min_lon",
    )

    assert [(region.code, round(d)) for region, d in found] == [("31.71.01.1001", 0)]


def test_nearby_prefilters_in_the_database_by_a_box_the_lat_lon_index_serves(db):
    with CaptureQueriesContext(connection) as queries:
        selectors.nearby(Device.objects.filter(is_active=True), lat=-6.2, lon=106.85, radius_m=1000)

    (sql,) = [q["sql"] for q in queries.captured_queries]
    where = sql.split("WHERE", 1)[1]
    assert '"notifications_device"."lat" BETWEEN' in where
    assert '"notifications_device"."lon" BETWEEN' in where
    # Only keys and points come back for the exact test; whole rows follow for the kept ones.
    assert sql.startswith(
        'SELECT "notifications_device"."id" AS "pk", "notifications_device"."lat"'
    )

    if connection.vendor == "postgresql":
        box = selectors.within_bbox(
            Device.objects.filter(is_active=True), geo.bbox_around(-6.2, 106.85, 1000)
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = box.explain()
        assert "device_active_point_idx" in plan


def test_within_bbox_includes_its_edges(small_map):
    box = (106.815, -6.190, 106.820, -6.185)  # Gambir's south-west corner exactly

    found = selectors.within_bbox(
        Region.objects.all(), box, lat_field="min_lat", lon_field="min_lon"
    )

    assert list(found.values_list("code", flat=True)) == ["31.71.01.1001"]


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ((179.0, -6.3, -179.0, -6.1), "antimeridian"),
        ((106.8, math.nan, 106.9, -6.1), "finite"),
        ((106.8, -6.1, 106.9, -6.3), "minimum latitude"),
        ((106.8, -6.1, 106.9), "bounding box"),
    ],
)
def test_within_bbox_refuses_a_box_it_cannot_mean(bbox, message, settings):
    settings.LANGUAGE_CODE = "en"

    with pytest.raises(geo.InvalidArea, match=message):
        selectors.within_bbox(Device.objects.all(), bbox)


@pytest.mark.parametrize(
    ("point", "radius"),
    [((math.nan, 106.8), 100), ((-6.2, 106.8), math.inf), ((-6.2, 106.8), 5e6), ((95, 0), 1)],
)
def test_nearby_refuses_what_it_cannot_measure(db, point, radius):
    with pytest.raises(geo.InvalidArea):
        selectors.nearby(Device.objects.all(), lat=point[0], lon=point[1], radius_m=radius)
