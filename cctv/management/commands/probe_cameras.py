from django.core.management.base import BaseCommand

from cctv.services import cameras_probe_cycle


class Command(BaseCommand):
    help = "Run one health-probe cycle of every camera now and print a summary."

    def handle(self, *args, **options):
        summary = cameras_probe_cycle()
        if summary.get("skipped"):
            self.stdout.write("Another probe cycle is running; nothing done.")
            return
        self.stdout.write(", ".join(f"{key} {value}" for key, value in summary.items()))
