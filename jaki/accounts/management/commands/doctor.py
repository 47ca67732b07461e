"""`python manage.py doctor`: the state of every dependency, for an operator."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jaki.health import EVERYTHING, run_checks


class Command(BaseCommand):
    help = _(
        "Check every dependency (database, cache, broker, channel layer, storage, FCM "
        "credentials, SMS backend) and print what each answered; exits 1 when one fails."
    )

    def handle(self, *args, **options):
        results = run_checks(EVERYTHING)
        width = max(len(result.name) for result in results)
        for result in results:
            mark = self.style.SUCCESS("ok  ") if result.ok else self.style.ERROR("FAIL")
            self.stdout.write(
                f"{mark} {result.name:<{width}}  {result.milliseconds:7.1f} ms  {result.detail}"
            )
        failing = [result.name for result in results if not result.ok]
        if failing:
            raise CommandError(_("Failing: %(names)s") % {"names": ", ".join(failing)})
