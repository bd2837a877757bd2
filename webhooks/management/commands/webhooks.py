"""`manage.py webhooks create|list|update|rotate-secret|test|delete|retry`: operate webhook endpoints.

Secrets are printed once, alone on stdout (like create_api_key); everything else goes to stderr.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import SystemActor
from core.errors import DomainError
from customers.models import Organization
from customers.selectors import parse_uuid

from ... import services
from ...models import Delivery, Endpoint
from ...serializers import endpoint_data


def _bool(value: str) -> bool:
    if value.lower() in ("true", "yes", "1", "on"):
        return True
    if value.lower() in ("false", "no", "0", "off"):
        return False
    raise ValueError(value)


class Command(BaseCommand):
    help = "Create, list, update, rotate, test, delete webhook endpoints; re-send a delivery."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register an endpoint; prints its secret once")
        create.add_argument("organization_id")
        create.add_argument("url")
        create.add_argument("--event", action="append", default=[], help="repeat; none: every event")
        create.add_argument("--description", default="")
        listing = sub.add_parser("list", help="an organization's endpoints, as JSON lines")
        listing.add_argument("organization_id")
        update = sub.add_parser("update", help="change url, events, description or enabled")
        update.add_argument("endpoint_id")
        update.add_argument("--url")
        update.add_argument("--event", action="append", help="repeat; replaces the filter")
        update.add_argument("--all-events", action="store_true", help="clear the filter")
        update.add_argument("--description")
        update.add_argument("--enabled", type=_bool, help="true or false")
        for name, text in (
            ("rotate-secret", "new secret printed once; the old one signs for 24 h more"),
            ("test", "send a webhook.test event"),
            ("delete", "delete the endpoint and its delivery log"),
        ):
            sub.add_parser(name, help=text).add_argument("endpoint_id")
        retry = sub.add_parser("retry", help="send a delivery again (not one that succeeded)")
        retry.add_argument("delivery_id")

    def _endpoint(self, value: str) -> Endpoint:
        pk = parse_uuid(value)
        endpoint = Endpoint.objects.filter(pk=pk).first() if pk else None
        if endpoint is None:
            raise CommandError(f"No webhook endpoint with id {value!r}")
        return endpoint

    def _organization(self, value: str) -> Organization:
        pk = parse_uuid(value)
        organization = Organization.objects.filter(pk=pk).first() if pk else None
        if organization is None:
            raise CommandError(f"No organization with id {value!r}")
        return organization

    def handle(self, *args, **options) -> None:
        try:
            self._dispatch(options)
        except DomainError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.errors or {}).items())
            raise CommandError(f"{exc.message}{': ' + details if details else ''}") from None

    def _dispatch(self, options: dict) -> None:
        action = options["action"]
        if action == "create":
            endpoint, secret = services.endpoint_create(
                organization=self._organization(options["organization_id"]),
                url=options["url"],
                events=options["event"],
                description=options["description"],
                actor=SystemActor.CLI,
            )
            self.stderr.write(f"Created webhook endpoint {endpoint.pk}; store its signing secret now.")
            self.stdout.write(secret)
        elif action == "list":
            organization = self._organization(options["organization_id"])
            for endpoint in Endpoint.objects.filter(organization=organization).order_by("created_at"):
                self.stdout.write(json.dumps(endpoint_data(endpoint)))
        elif action == "update":
            events = [] if options["all_events"] else options["event"]
            endpoint = services.endpoint_update(
                endpoint=self._endpoint(options["endpoint_id"]),
                url=options["url"],
                events=events,
                description=options["description"],
                enabled=options["enabled"],
                actor=SystemActor.CLI,
            )
            self.stdout.write(json.dumps(endpoint_data(endpoint)))
        elif action == "rotate-secret":
            endpoint, secret = services.endpoint_rotate_secret(
                endpoint=self._endpoint(options["endpoint_id"]), actor=SystemActor.CLI
            )
            until = endpoint.previous_secret_expires_at
            if until is None:  # endpoint_rotate_secret always sets it
                raise CommandError("The rotation did not keep the previous secret.")
            self.stderr.write(f"Rotated; the previous secret signs until {until.isoformat()}.")
            self.stdout.write(secret)
        elif action == "test":
            event = services.endpoint_test(
                endpoint=self._endpoint(options["endpoint_id"]), actor=SystemActor.CLI
            )
            self.stdout.write(str(event.pk))
        elif action == "delete":
            services.endpoint_delete(endpoint=self._endpoint(options["endpoint_id"]), actor=SystemActor.CLI)
            self.stderr.write("Deleted.")
        elif action == "retry":
            pk = parse_uuid(options["delivery_id"])
            delivery = Delivery.objects.filter(pk=pk).first() if pk else None
            if delivery is None:
                raise CommandError(f"No delivery with id {options['delivery_id']!r}")
            services.delivery_retry(delivery=delivery, actor=SystemActor.CLI)
            self.stderr.write("Queued again.")
