"""`manage.py create_organization NAME [--redirect-origin ORIGIN ...]`: prints the new id."""

from django.core.management.base import BaseCommand, CommandError

from customers.services import InvalidOrigin, organization_create


class Command(BaseCommand):
    help = "Create an organization with its redirect-origin allowlist; prints its id."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--redirect-origin",
            action="append",
            default=[],
            dest="origins",
            metavar="ORIGIN",
            help="scheme://host[:port], repeatable",
        )

    def handle(self, *args, **options) -> None:
        name = options["name"].strip()
        if not name or len(name) > 255:
            raise CommandError("NAME must be 1 to 255 characters")
        try:
            organization = organization_create(name=name, redirect_origins=options["origins"], actor="cli")
        except InvalidOrigin as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(organization.pk))
