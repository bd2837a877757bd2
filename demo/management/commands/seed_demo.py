"""`manage.py seed_demo`: the demo organization and fresh demo keys, run by `make run`."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.audit import SystemActor
from customers.authentication import api_keys_changed
from customers.models import ApiKey, Organization, RedirectOrigin
from customers.services import api_key_create, organization_create
from merchants.models import ApiClient
from merchants.services import api_client_create, api_client_disable

DEMO_ORGANIZATION = "Demo Organization"
DEMO_ORIGINS = ["http://localhost:8000", "http://127.0.0.1:8000"]
DEMO_KEY_NAMES = {ApiKey.Kind.FULL: "demo-full", ApiKey.Kind.RESTRICTED: "demo-restricted"}


def seed_customers_demo() -> tuple[Organization, dict[str, str]]:
    """Get or create the demo organization; revoke older demo keys and mint fresh ones."""
    organization = Organization.objects.filter(name=DEMO_ORGANIZATION).order_by("created_at").first()
    if organization is None:
        organization = organization_create(
            name=DEMO_ORGANIZATION, redirect_origins=DEMO_ORIGINS, actor=SystemActor.SEED_DEMO.value
        )
    for origin in DEMO_ORIGINS:
        RedirectOrigin.objects.get_or_create(organization=organization, origin=origin)
    revoked = ApiKey.objects.filter(
        organization=organization, name__in=DEMO_KEY_NAMES.values(), revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        api_keys_changed()  # a bulk UPDATE sends no signal: workers must drop cached checks
    keys: dict[str, str] = {}
    for kind, name in DEMO_KEY_NAMES.items():
        _, raw = api_key_create(
            organization=organization, kind=kind, name=name, actor=SystemActor.SEED_DEMO.value
        )
        keys[kind] = raw
    return organization, keys


DEMO_CLIENT_NAME = "Demo Partner"


def seed_merchant_demo(command: BaseCommand) -> None:
    """Disable older demo partner clients and print a fresh clientId/clientSecret."""
    for client in ApiClient.objects.filter(name=DEMO_CLIENT_NAME, is_enabled=True):
        api_client_disable(client=client, actor=SystemActor.SEED_DEMO)
    client, secret = api_client_create(name=DEMO_CLIENT_NAME)
    command.stdout.write(f"Merchant clientId : {client.client_id}")
    command.stdout.write(f"Merchant secret   : {secret}")
    command.stdout.write("(POST /v2/auth/token {clientId, clientSecret}; older demo clients disabled)")


class Command(BaseCommand):
    help = "Create or refresh the demo organization and print fresh FULL and RESTRICTED API keys."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            organization, keys = seed_customers_demo()
        out = self.stdout
        out.write("")
        out.write("=" * 72)
        out.write(f"Demo organization : {organization.name}")
        out.write(f"Organization id   : {organization.pk}")
        out.write(f"Allowed origins   : {', '.join(DEMO_ORIGINS)}")
        out.write(f"FULL key          : {keys[ApiKey.Kind.FULL]}")
        out.write(f"RESTRICTED key    : {keys[ApiKey.Kind.RESTRICTED]}")
        out.write("(older demo keys are revoked; header: PLANBOK-X-API-KEY)")
        seed_merchant_demo(self)
        out.write("=" * 72)
        out.write("")
