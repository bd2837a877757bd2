"""`manage.py purge_idempotency_records [--hours N]`: forget idempotency keys older than N hours."""

from django.core.management.base import BaseCommand, CommandError

from customers.services import idempotency_records_purge


class Command(BaseCommand):
    help = (
        "Delete stored idempotent responses older than --hours (default 24): after that a "
        "retry with the same idempotencyKey runs as a new request. Run it daily (cron)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options) -> None:
        if hours < 1:
            raise CommandError("--hours must be at least 1")
        deleted = idempotency_records_purge(older_than_hours=hours)
        self.stdout.write(str(deleted))
