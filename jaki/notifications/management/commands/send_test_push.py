import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jaki.accounts.models import User
from jaki.accounts.phones import normalise_phone
from jaki.api import DomainError
from jaki.notifications import selectors, services
from jaki.notifications.models import Device, Notification

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Send a test notification to a user's active devices through the configured push "
        "backend, wait for the delivery and print targeted / sent / failed / pruned."
    )

    def add_arguments(self, parser):
        parser.add_argument("--phone", required=True)
        parser.add_argument("--title", help="The title, sent as-is in every language")
        parser.add_argument("--body", help="The body, sent as-is in every language")
        parser.add_argument(
            "--timeout",
            type=float,
            default=30.0,
            help="Seconds to wait for the push workers to report (default 30)",
        )

    def handle(self, *args, phone, title=None, body=None, timeout=30.0, **options):
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            raise CommandError(f"--phone: {exc.messages[0]}") from exc
        user = User.objects.filter(phone=phone).first()
        if user is None:
            raise CommandError(_("--phone: no user has this phone number."))
        devices = Device.objects.filter(user=user, is_active=True).count()
        if not devices:
            raise CommandError(
                _("%(user)s has no active device to push to.") % {"user": user.masked_phone}
            )

        try:
            notification = services.notify(
                kind="test",
                title={"id": title} if title else services.TEST_PUSH_TITLE,
                body={"id": body} if body else services.TEST_PUSH_BODY,
                users=[user],
                inbox=False,
                source="send_test_push",
            )
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from exc

        delivery, finished = self.wait_for(notification, timeout)
        # The counts line is what scripts read (docs/API.md): fixed wording, never translated.
        self.stdout.write(
            "targeted {targeted}, sent {sent}, failed {failed}, pruned {pruned}".format(**delivery)
        )
        self.stdout.write(f"backend {settings.PUSH_BACKEND}")
        if not finished:
            self.stderr.write(
                _("Delivery was still under way after %(seconds)g seconds.") % {"seconds": timeout}
            )
        if not delivery["sent"]:
            raise CommandError(_("Nothing was sent to %(user)s.") % {"user": user.masked_phone})
        self.stdout.write(
            self.style.SUCCESS(_("Test push sent to %(user)s.") % {"user": user.masked_phone})
        )

    @staticmethod
    def wait_for(notification: Notification, timeout: float) -> tuple[dict, bool]:
        """Delivery runs on the push workers: poll its counts until every targeted device has
        an answer, or until the timeout. Returns the last counts and whether they are final."""
        deadline = time.monotonic() + timeout
        while True:
            delivery = selectors.notification_delivery(notification=notification)
            answered = delivery["sent"] + delivery["failed"] + delivery["pruned"]
            if delivery["state"] == Notification.State.DONE and answered >= delivery["targeted"]:
                return delivery, True
            if time.monotonic() >= deadline:
                return delivery, False
            time.sleep(POLL_SECONDS)
