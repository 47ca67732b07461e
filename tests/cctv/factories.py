from itertools import count

from cctv.models import Camera
from cctv.services import CameraInput, camera_create

_serial = count(1)
ORIGIN = "rtsp://admin:kata-sandi-rahasia@10.20.30.40:554/Streaming/Channels/101"
SNAPSHOT = "http://admin:kata-sandi-rahasia@10.20.30.40/ISAPI/Streaming/channels/1/picture"


def camera(
    organisation,
    *,
    code: str | None = None,
    public: bool = True,
    lat: float = -6.1754,
    lon: float = 106.8272,
    category: str = "traffic",
    stream_url: str = ORIGIN,
    snapshot_url: str = SNAPSHOT,
    status: str | None = None,
) -> Camera:
    made = camera_create(
        data=CameraInput(
            code=code or f"cam-{next(_serial):04d}",
            name="Simpang Monas",
            lat=lat,
            lon=lon,
            category=category,
            stream_url=stream_url,
            snapshot_url=snapshot_url,
            public=public,
        ),
        organisation=organisation,
    )
    if status:
        Camera.objects.filter(pk=made.pk).update(status=status)
        made.status = status
    return made
