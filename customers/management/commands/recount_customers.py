"""`manage.py recount_customers [ORG_ID ...]`: repair the list total after bulk loads."""

from django.core.management.base import BaseCommand

from customers.models import Organization
from customers.selectors import parse_uuid
from customers.services import customers_recount


class Command(BaseCommand):
    help = "Recompute each organization's customer counter (used as the list's total)."

    def add_arguments(self, parser):
        parser.add_argument("organization_ids", nargs="*")

    def handle(self, *args, **options) -> None:
        orgs = Organization.objects.all()
        if options["organization_ids"]:
            orgs = orgs.filter(pk__in=[parse_uuid(v) for v in options["organization_ids"] if parse_uuid(v)])
        for organization in orgs:
            count = customers_recount(organization=organization)
            self.stdout.write(f"{organization.pk} {count}")
