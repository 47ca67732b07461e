"""A few demo cameras around Monas and the Manggarai water gate (seed_demo). Their sources are
on a closed loopback port: the probes find them offline, as a fresh install should show."""

from cctv.services import CameraInput, camera_upsert
from jaki.accounts.models import Organisation

OWNER = "diskominfotik"  # made by the accounts demo, which runs first
SOURCE = "http://127.0.0.1:9/{code}/index.m3u8"
CAMERAS = [
    ("demo-monas-barat", "Monas Barat", -6.1754, 106.8227, "traffic", True),
    ("demo-bundaran-hi", "Bundaran HI", -6.1949, 106.8230, "traffic", True),
    ("demo-pintu-air-manggarai", "Pintu Air Manggarai", -6.2087, 106.8497, "flood_gate", True),
    ("demo-kali-ciliwung", "Kali Ciliwung Kampung Melayu", -6.2248, 106.8664, "river", True),
    ("demo-balai-kota", "Balai Kota (terbatas)", -6.1813, 106.8284, "public_space", False),
]


def seed(*, stdout) -> None:
    owner = Organisation.objects.filter(code=OWNER).first()
    if owner is None:
        return
    for code, name, lat, lon, category, public in CAMERAS:
        camera_upsert(
            data=CameraInput(
                code=code,
                name=name,
                lat=lat,
                lon=lon,
                category=category,
                stream_url=SOURCE.format(code=code),
                snapshot_url=f"http://127.0.0.1:9/{code}.jpg",
                public=public,
            ),
            organisation=owner,
        )
    stdout.write(f"CCTV: {len(CAMERAS)} demo cameras (one restricted), owned by {owner.name}")
