"""The health probes against a fake HLS origin on loopback (tests/fakes/hls.py)."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cctv.models import Camera, StatusChange, UptimeBucket
from cctv.services import cameras_probe_cycle, cameras_set_maintenance, cctv_purge_history
from jaki.notifications.models import InboxItem, Notification
from tests.cctv import factories


def probed(cast, hls, behaviour: str, *, status: str | None = None) -> Camera:
    code = f"{behaviour}-{Camera.objects.count() + 1}"
    return factories.camera(
        cast.orgs.dinas_kominfotik,
        code=code,
        stream_url=hls.camera_url(behaviour, code),
        status=status,
    )


def fresh(camera: Camera) -> Camera:
    camera.refresh_from_db()
    return camera


def test_a_live_camera_comes_online_after_two_successes(cast, hls):
    camera = probed(cast, hls, "live")

    cameras_probe_cycle()
    assert fresh(camera).status == "offline"
    cameras_probe_cycle()

    camera = fresh(camera)
    assert camera.status == "online"
    assert camera.last_error == ""
    assert camera.last_online_at is not None
    assert camera.uptime_24h == 100.0 and camera.uptime_7d == 100.0
    (change,) = StatusChange.objects.filter(camera=camera)
    assert (change.from_status, change.to_status) == ("offline", "online")


def test_a_multivariant_playlist_is_followed_to_its_media_playlist(cast, hls):
    camera = probed(cast, hls, "master", status="online")

    cameras_probe_cycle()

    assert fresh(camera).status == "online"


def test_a_failing_camera_is_degraded_then_offline_after_three_failures(cast, hls):
    camera = probed(cast, hls, "error", status="online")

    statuses = []
    for _ in range(3):
        cameras_probe_cycle()
        statuses.append(fresh(camera).status)

    assert statuses == ["degraded", "degraded", "offline"]
    assert camera.last_error == "http_500"
    assert camera.offline_since is not None
    assert camera.uptime_24h == 0.0
    assert [c.to_status for c in StatusChange.objects.filter(camera=camera).order_by("id")] == [
        "degraded",
        "offline",
    ]


def test_a_degraded_camera_that_answers_again_is_online_at_once(cast, hls):
    camera = probed(cast, hls, "live", status="degraded")
    Camera.objects.filter(pk=camera.pk).update(consecutive_failures=2)

    cameras_probe_cycle()

    assert fresh(camera).status == "online"


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("html", "not_hls"),
        ("stale", "stale"),
        ("error", "http_500"),
        ("huge", "too_large"),
        ("hang", "timeout"),
    ],
)
def test_each_kind_of_broken_camera_fails_with_its_reason(cast, hls, behaviour, error):
    camera = probed(cast, hls, behaviour, status="online")

    cameras_probe_cycle()

    camera = fresh(camera)
    assert (camera.status, camera.last_error) == ("degraded", error)


def test_an_unreachable_camera_fails_cleanly(cast):
    camera = factories.camera(
        cast.orgs.dinas_kominfotik, stream_url="http://127.0.0.1:9/x/index.m3u8", status="online"
    )

    cameras_probe_cycle()

    assert fresh(camera).last_error == "unreachable"


def test_a_frozen_playlist_fails_once_its_sequence_stood_still_past_three_target_durations(
    cast, hls
):
    frozen = probed(cast, hls, "frozen", status="online")
    live = probed(cast, hls, "live", status="online")

    cameras_probe_cycle()
    assert fresh(frozen).status == "online"
    with time_machine.travel(timezone.now() + timedelta(seconds=7), tick=True):
        cameras_probe_cycle()

    assert (fresh(frozen).status, frozen.last_error) == ("degraded", "frozen")
    assert fresh(live).status == "online"


def test_hanging_cameras_cost_one_timeout_and_do_not_block_the_others(cast, hls, settings):
    settings.CCTV_PROBE_TIMEOUT_SECONDS = 1.0
    hanging = [probed(cast, hls, "hang", status="online") for _ in range(20)]
    live = [probed(cast, hls, "live", status="online") for _ in range(20)]
    probed(cast, hls, "huge", status="online")

    started = time.monotonic()
    summary = cameras_probe_cycle()
    took = time.monotonic() - started

    assert took < 1.0 + 1.5, summary
    assert summary["error_timeout"] == 20
    assert all(fresh(c).status == "online" for c in live)
    assert all(fresh(c).last_error == "timeout" for c in hanging)


def test_cameras_in_maintenance_are_not_probed(cast, hls):
    camera = probed(cast, hls, "error", status="online")
    cameras_set_maintenance(cameras=Camera.objects.filter(pk=camera.pk), on=True)

    summary = cameras_probe_cycle()

    assert summary["cameras"] == 0
    assert fresh(camera).status == "maintenance"


def test_operators_are_told_once_when_a_camera_stays_offline_and_when_it_is_back(
    cast, hls, settings
):
    settings.CCTV_OFFLINE_NOTICE_AFTER_SECONDS = 600
    camera = probed(cast, hls, "error", status="offline")
    operator = cast.cctv_operator
    Camera.objects.filter(pk=camera.pk).update(
        offline_since=timezone.now() - timedelta(minutes=5), consecutive_failures=3
    )

    cameras_probe_cycle()  # offline 5 minutes: not yet
    assert not Notification.objects.exists()
    Camera.objects.filter(pk=camera.pk).update(offline_since=timezone.now() - timedelta(minutes=11))
    cameras_probe_cycle()
    cameras_probe_cycle()  # still offline: no second notice

    (gone,) = Notification.objects.all()
    assert gone.kind == "cctv.camera_status" and gone.title_en == "Camera offline"
    assert InboxItem.objects.filter(user=operator).count() == 1
    assert not InboxItem.objects.exclude(user=operator).exists()

    stream = hls.camera_url("live", camera.code)
    from cctv.services import camera_set_secrets

    camera_set_secrets(camera=fresh(camera), stream_url=stream)
    cameras_probe_cycle()
    cameras_probe_cycle()

    assert fresh(camera).status == "online"
    back = Notification.objects.order_by("-id").first()
    assert back.title_en == "Camera back online"
    assert InboxItem.objects.filter(user=operator).count() == 2


def test_a_second_cycle_while_one_runs_does_nothing(cast, hls):
    from django.core.cache import cache

    from cctv.services.health import CYCLE_LOCK

    cache.add(CYCLE_LOCK, 1, 60)

    assert cameras_probe_cycle() == {"skipped": 1}


def test_history_is_kept_per_hour_and_purged_after_its_retention(cast, hls):
    camera = probed(cast, hls, "live")
    cameras_probe_cycle()
    cameras_probe_cycle()
    (bucket,) = UptimeBucket.objects.filter(camera=camera)
    assert (bucket.checks, bucket.successes) == (2, 2)

    purged = cctv_purge_history(now=timezone.now() + timedelta(days=9))

    assert purged["uptime_buckets"] == 1


def test_the_command_runs_one_cycle_and_prints_a_summary(cast, hls, capsys):
    probed(cast, hls, "live")

    call_command("probe_cameras")

    assert "cameras 1" in capsys.readouterr().out


def test_what_answered_is_handed_out_while_hanging_cameras_run_out_their_timeout(hls):
    """The cycle writes the answering cameras' states in the first wave, not a timeout later."""
    from cctv.clients import playlists_probe

    targets = [(1, hls.camera_url("live", "a")), (2, hls.camera_url("hang", "b"))]
    started = time.monotonic()
    arrived = []
    for wave in playlists_probe(
        targets,
        now=timezone.now(),
        concurrency=10,
        timeout=1.5,
        connect_timeout=0.3,
        max_bytes=256 * 1024,
    ):
        arrived.append((sorted(wave), {k: o.error for k, o in wave.items()}, time.monotonic()))

    (first, _, first_at), (second, errors, second_at) = arrived
    assert (first, second) == ([1], [2])
    assert errors == {2: "timeout"}
    assert first_at - started < 1.0 <= 1.5 <= second_at - started + 0.1
