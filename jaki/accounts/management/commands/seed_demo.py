from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Seed idempotent demo data: each installed app's `demo.seed(stdout=…)` runs in "
        "INSTALLED_APPS order, so a service adds its own demo without the platform importing it."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # Demo staff share one published password: in production they would be open doors.
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                try:
                    demo = import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app_config.name}.demo":
                        raise
                    continue
                demo.seed(stdout=self.stdout)
