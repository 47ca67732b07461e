"""The preview count is the fan-out's selection: on PostgreSQL it is counted in one query with
a vectorised point test, and must agree with the id pages the fan-out walks."""

import random

import pytest

from jaki.notifications.models import Device, Notification
from jaki.notifications.selectors import (
    PREVIEW_CHUNK_SIZE,
    audience_count,
    target_device_chunks,
)
from jaki.regions.models import Region
from tests.accounts.factories import UserFactory
from tests.complaints.conftest import load_map

pytestmark = pytest.mark.django_db

GAMBIR, KOJA = "31.71.01.1001", "31.72.04.1001"
SQUARE = {  # around Monas, lon/lat
    "type": "Polygon",
    "coordinates": [[[106.82, -6.17], [106.835, -6.17], [106.835, -6.185], [106.82, -6.17]]],
}
CIRCLE = {"type": "Circle", "lat": -6.12, "lon": 106.90, "radius_m": 1500}


@pytest.fixture
def devices():
    load_map()
    rng = random.Random(7)
    regions = {r.code: r for r in Region.objects.filter(code__in=[GAMBIR, KOJA])}
    rows = []
    for i in range(600):
        user = UserFactory() if i < 3 else rows[-1].user
        placed = rng.random() < 0.9
        rows.append(
            Device(
                user=user,
                token=f"aud-{i}",
                platform="android",
                lat=rng.uniform(-6.20, -6.10) if placed else None,
                lon=rng.uniform(106.80, 106.92) if placed else None,
                kelurahan=regions.get(rng.choice([GAMBIR, KOJA, ""])),
                is_test=rng.random() < 0.2,
                is_active=rng.random() < 0.95,
            )
        )
    Device.objects.bulk_create(rows)


def fanout_count(area, kelurahan, test) -> int:
    from jaki.regions.geo import Area

    audience = {}
    if area:
        audience["area"] = Area(area).spec
    if kelurahan:
        audience["kelurahan"] = kelurahan
    draft = Notification(audience=audience, is_test=test)
    return sum(len(c) for c in target_device_chunks(draft, PREVIEW_CHUNK_SIZE))


@pytest.mark.parametrize("test", [False, True])
@pytest.mark.parametrize(
    ("area", "kelurahan"),
    [
        (SQUARE, None),
        ([SQUARE, CIRCLE], None),
        (None, [GAMBIR]),
        (SQUARE, [KOJA]),
        ([SQUARE, CIRCLE], [GAMBIR, KOJA]),
    ],
)
def test_the_preview_count_equals_what_the_fan_out_selects(devices, area, kelurahan, test):
    expected = fanout_count(area, kelurahan, test)
    assert expected > 0
    assert audience_count(area=area, kelurahan=kelurahan, test=test) == expected


def test_nothing_named_counts_nothing(devices):
    assert audience_count() == 0


def test_an_areas_fan_out_sends_full_chunks(devices):
    """A triangle keeps about half of its bounding box's devices: the kept ones are gathered,
    so the send tasks are as few as for the same number of devices broadcast."""
    from jaki.regions.geo import Area

    draft = Notification(audience={"area": Area(SQUARE).spec})
    chunks = list(target_device_chunks(draft, 2))

    assert sum(len(c) for c in chunks) == fanout_count(SQUARE, None, False) > 4
    assert [len(c) for c in chunks[:-1]] == [2] * (len(chunks) - 1)
    assert len({pk for c in chunks for pk in c}) == sum(len(c) for c in chunks)
