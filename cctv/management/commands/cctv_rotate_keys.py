from django.core.management.base import BaseCommand

from cctv.services import secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every camera's origin and snapshot URL under the first of CCTV_SECRET_KEYS "
        "(after putting a new key first); then the old key may be dropped."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"re-encrypted {secrets_rotate()} cameras")
