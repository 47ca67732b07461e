"""Every write of the CCTV service: cameras (catalogue.py), streams and snapshots (viewing.py),
the health probes (health.py)."""

from cctv.services.catalogue import (
    CameraInput,
    InvalidCamera,
    camera_create,
    camera_save,
    camera_set_secrets,
    camera_upsert,
    cameras_set_maintenance,
    cctv_forget_user,
    favourite_add,
    favourite_remove,
    secrets_rotate,
    source_url_check,
)
from cctv.services.health import cameras_probe_cycle, cctv_purge_history
from cctv.services.viewing import (
    SnapshotUnavailable,
    StreamGrant,
    StreamRefused,
    TooManyStreams,
    media_auth_check,
    snapshot_latest,
    stream_issue,
)

__all__ = [
    "CameraInput",
    "InvalidCamera",
    "SnapshotUnavailable",
    "StreamGrant",
    "StreamRefused",
    "TooManyStreams",
    "camera_create",
    "camera_save",
    "camera_set_secrets",
    "camera_upsert",
    "cameras_probe_cycle",
    "cameras_set_maintenance",
    "cctv_forget_user",
    "cctv_purge_history",
    "favourite_add",
    "favourite_remove",
    "media_auth_check",
    "secrets_rotate",
    "snapshot_latest",
    "source_url_check",
    "stream_issue",
]
