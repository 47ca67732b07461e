"""A demo phone for the demo resident, so `send_test_push` works on a fresh `make run`."""

from jaki.accounts.demo import RESIDENT
from jaki.accounts.models import User
from jaki.notifications import services

DEMO_TOKEN = "demo-device-token-for-the-log-backend"


def seed(*, stdout) -> None:
    resident = User.objects.get(phone=RESIDENT[0])
    services.device_register(
        user=resident, token=DEMO_TOKEN, platform="android", lat=-6.1754, lon=106.8272
    )
    stdout.write(
        f"  demo device      for {RESIDENT[0]} at Monas; try: "
        f"python manage.py send_test_push --phone {RESIDENT[0]}"
    )
