"""What a probe concludes, without any I/O: a playlist's health and the camera's next state.

A live HLS media playlist starts with `#EXTM3U`, its position (`#EXT-X-MEDIA-SEQUENCE` plus the
segments listed) moves on, and its newest segment is recent: about 3 x `#EXT-X-TARGETDURATION`
(DOMAIN.md 4). A camera goes offline after 3 failures in a row and comes back online after 2
successes in a row; an online camera that fails once or twice is `degraded`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime

from cctv.models import Status

OFFLINE_AFTER_FAILURES = 3
ONLINE_AFTER_SUCCESSES = 2
FRESHNESS_FACTOR = 3
DEFAULT_TARGET_DURATION = 10  # seconds, when a playlist leaves it out


@dataclass(frozen=True)
class Playlist:
    """A playlist read: `error` is '' when it looks like a live stream."""

    error: str = ""
    position: int | None = None
    target_duration: float = DEFAULT_TARGET_DURATION
    variant: str = ""  # a multivariant playlist names the media playlist to read instead


@dataclass(frozen=True)
class Outcome:
    """One camera's probe: ok, or why not (a short code: never a URL or a server's text)."""

    ok: bool
    error: str = ""
    position: int | None = None
    target_duration: float = DEFAULT_TARGET_DURATION
    latency_ms: int = 0


def playlist_read(body: bytes, *, now: datetime) -> Playlist:
    """Check a playlist's text: HLS at all, multivariant or media, live, recent."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("#EXTM3U"):
        return Playlist(error="not_hls")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF"):
            variant = next((u for u in lines[i + 1 :] if not u.startswith("#")), "")
            return Playlist(variant=variant) if variant else Playlist(error="bad_playlist")
    target = DEFAULT_TARGET_DURATION
    sequence = 0
    segments = 0
    newest_start: datetime | None = None
    program_time: datetime | None = None
    pending_duration = 0.0
    for line in lines:
        tag, _, value = line.partition(":")
        try:
            if tag == "#EXT-X-TARGETDURATION":
                target = max(float(value), 0.1)
            elif tag == "#EXT-X-MEDIA-SEQUENCE":
                sequence = int(value)
            elif tag == "#EXT-X-PROGRAM-DATE-TIME":
                program_time = parse_datetime(value)
            elif tag == "#EXTINF":
                pending_duration = float(value.split(",")[0])
            elif tag == "#EXT-X-ENDLIST":
                return Playlist(error="ended")
            elif not line.startswith("#"):
                segments += 1
                if program_time is not None:
                    newest_start = program_time
                    program_time = program_time + timedelta(seconds=pending_duration)
                pending_duration = 0.0
        except (ValueError, TypeError):
            return Playlist(error="bad_playlist")
    if segments == 0:
        return Playlist(error="empty")
    position = sequence + segments
    if newest_start is not None:
        if newest_start.tzinfo is None:
            return Playlist(error="bad_playlist")
        if now - newest_start > timedelta(seconds=FRESHNESS_FACTOR * target):
            return Playlist(error="stale", position=position, target_duration=target)
    return Playlist(position=position, target_duration=target)


def frozen(
    outcome: Outcome, *, previous: int | None, changed_at: datetime | None, now: datetime
) -> bool:
    """Whether the playlist stood still for longer than a live stream can (3 x target)."""
    if outcome.position is None or previous is None or changed_at is None:
        return False
    if outcome.position != previous:
        return False
    return now - changed_at > timedelta(seconds=FRESHNESS_FACTOR * outcome.target_duration)


@dataclass(frozen=True)
class State:
    status: str
    failures: int
    successes: int


def state_next(state: State, *, ok: bool) -> State:
    """The probes' state machine (maintenance is never probed)."""
    if ok:
        successes = state.successes + 1
        if state.status in (Status.ONLINE, Status.DEGRADED) or successes >= ONLINE_AFTER_SUCCESSES:
            return State(Status.ONLINE, 0, successes)
        return State(state.status, 0, successes)
    failures = state.failures + 1
    if failures >= OFFLINE_AFTER_FAILURES:
        return State(Status.OFFLINE, failures, 0)
    if state.status in (Status.ONLINE, Status.DEGRADED):
        return State(Status.DEGRADED, failures, 0)
    return State(state.status, failures, 0)
