"""Unhealthy-air alerts, from readings arriving to pushes: one on crossing up, silence for 6
hours per place unless the air worsens, an all-clear when it falls back; erasure."""

from datetime import timedelta

import pytest

from airquality import services
from airquality.models import AlertState, SavedPlace, Subscription
from jaki import lifecycle
from jaki.notifications.models import Notification
from tests.airquality.conftest import NOW, reading

DKI1 = (-6.1950, 106.8230)


@pytest.fixture
def subscribed(cast, stations):
    services.subscription_set(
        user=cast.resident,
        threshold="tidak_sehat",
        places=[{"name": "Kantor", "lat": DKI1[0], "lon": DKI1[1]}],
    )
    return cast.resident


@pytest.fixture
def air(time_machine, django_capture_on_commit_callbacks):
    """Move to `hours` after NOW and post one PM2.5 reading at DKI1; alerts run after commit."""

    def post(value: float, hours: float) -> None:
        at = NOW + timedelta(hours=hours)
        time_machine.move_to(at, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            services.readings_ingest(rows=[reading("DKI1", "pm25", value, time=at)])

    return post


def pushes():
    return list(Notification.objects.order_by("id").values_list("kind", flat=True))


def test_crossing_up_sends_one_push_in_both_languages_with_advice(subscribed, air):
    air(100, 0)  # ISPU 147: Tidak Sehat

    (notification,) = Notification.objects.all()
    assert notification.kind == "airquality.alert"
    assert "Kantor" in notification.title_id and "Kantor" in notification.title_en
    assert "Tidak Sehat" in notification.body_id and "Unhealthy" in notification.body_en
    assert "masker" in notification.body_id


def test_below_the_threshold_nothing_is_sent(subscribed, air):
    air(30, 0)  # ISPU 77: Sedang

    assert pushes() == []


def test_the_cooldown_holds_six_hours_per_place_unless_the_air_worsens(subscribed, air):
    air(100, 0)  # alert
    air(10, 1)  # baik: all-clear
    air(100, 2)  # back up within 6 hours, no worse: silent
    air(10, 3)  # nobody was told it was bad: no second all-clear
    air(200, 4)  # worse than the last alert (Sangat Tidak Sehat): sent despite the cooldown
    air(120, 5)  # better but still above the threshold: nothing

    assert pushes() == ["airquality.alert", "airquality.all_clear", "airquality.alert"]


def test_after_the_cooldown_a_new_crossing_is_sent_again(subscribed, air):
    air(100, 0)
    air(10, 1)
    air(100, 7)

    assert pushes() == ["airquality.alert", "airquality.all_clear", "airquality.alert"]


def test_a_higher_threshold_waits_for_worse_air(subscribed, air, cast):
    services.subscription_set(
        user=cast.resident,
        threshold="sangat_tidak_sehat",
        places=[{"name": "Kantor", "lat": DKI1[0], "lon": DKI1[1]}],
    )
    air(100, 0)
    air(200, 1)

    assert pushes() == ["airquality.alert"]


def test_places_far_from_the_station_are_not_told(cast, stations, air):
    services.subscription_set(
        user=cast.resident,
        threshold="tidak_sehat",
        places=[{"name": "Bogor", "lat": -6.6, "lon": 106.8}],
    )
    air(100, 0)

    assert pushes() == []


def test_at_most_three_saved_places(cast, stations):
    place = {"name": "x", "lat": DKI1[0], "lon": DKI1[1]}

    with pytest.raises(services.TooManyPlaces):
        services.subscription_set(user=cast.resident, threshold="baik", places=[place] * 4)


def test_erasure_deletes_the_subscription_its_places_and_states(subscribed, air):
    air(100, 0)
    assert AlertState.objects.exists()

    lifecycle.user_erased.run(user=subscribed)

    assert not Subscription.objects.exists()
    assert not SavedPlace.objects.exists()
    assert not AlertState.objects.exists()
