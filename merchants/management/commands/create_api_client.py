"""`manage.py create_api_client NAME`: a merchant API client; prints its id and secret once."""

from django.core.management.base import BaseCommand, CommandParser

from merchants.services import api_client_create


class Command(BaseCommand):
    help = "Create a merchant API client and print clientId/clientSecret (the secret is shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="partner name")

    def handle(self, *args, name: str, **options) -> None:
        client, secret = api_client_create(name=name)
        self.stdout.write(f"clientId={client.client_id}")
        self.stdout.write(f"clientSecret={secret}")
