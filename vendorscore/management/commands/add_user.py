"""``manage.py add_user USERNAME --role ROLE [--vendor VENDOR_ID] [--email EMAIL] --password PW``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vendorscore import services
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError
from vendorscore.models import Vendor


class Command(BaseCommand):
    help = "Create a user with a role (a vendor user also needs --vendor)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--vendor", type=int, help="Vendor id; required for --role vendor.")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", required=True)

    def handle(self, *args, username, role, vendor, email, password, **options):
        vendor_obj = None
        if vendor is not None:
            vendor_obj = Vendor.objects.filter(pk=vendor).first()
            if vendor_obj is None:
                raise CommandError(f"No vendor with id {vendor}.")
        try:
            user = services.user_create(username=username, role=role, password=password, email=email, vendor=vendor_obj)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError(details) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.get_role_display().lower()} {user.username}."))
