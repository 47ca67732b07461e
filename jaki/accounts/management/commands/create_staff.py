from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jaki.accounts import services
from jaki.accounts.models import Organisation, Role
from jaki.accounts.phones import normalise_phone


class Command(BaseCommand):
    help = (
        "Create or update a staff user with a role (a group); "
        "staff log in to the admin with a password."
    )

    def add_arguments(self, parser):
        parser.add_argument("--phone", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organisation", help="Organisation code")
        parser.add_argument("--password", help="Admin password (without it, OTP login only)")

    def handle(self, *args, phone, role, organisation=None, password=None, **options):
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            raise CommandError(f"--phone: {exc.messages[0]}") from exc
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("--password: " + " ".join(exc.messages)) from exc
        org = None
        if organisation:
            org = Organisation.objects.filter(code=organisation).first()
            if org is None:
                raise CommandError(f"--organisation: no organisation has the code {organisation!r}")
        user, created = services.staff_create_or_update(
            phone=phone, role=role, organisation=org, password=password
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} staff {user.masked_phone} with role {role}")
            + (f" in {org.name}" if org else "")
        )
