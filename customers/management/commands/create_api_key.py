"""`manage.py create_api_key ORG_ID [--restricted]`: prints the raw key, its only stdout line."""

from django.core.management.base import BaseCommand, CommandError

from customers.models import ApiKey, Organization
from customers.selectors import parse_uuid
from customers.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organization. The raw key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("organization_id")
        parser.add_argument("--restricted", action="store_true", help="read-only (GET) key")
        parser.add_argument("--name", default="", help="a label for the admin")

    def handle(self, *args, **options) -> None:
        pk = parse_uuid(options["organization_id"])
        organization = Organization.objects.filter(pk=pk).first() if pk else None
        if organization is None:
            raise CommandError(f"No organization with id {options['organization_id']!r}")
        kind = ApiKey.Kind.RESTRICTED if options["restricted"] else ApiKey.Kind.FULL
        api_key, raw = api_key_create(organization=organization, kind=kind, name=options["name"], actor="cli")
        self.stderr.write(f"Created {kind} key {api_key.prefix}… for {organization.name}; store it now.")
        self.stdout.write(raw)
