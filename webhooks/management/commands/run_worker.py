"""`manage.py run_worker`: django-tasks-db's db_worker, plus the periodic webhooks sweep.

The sweep (expired challenges emit challenge.expired; deliveries nobody drains, e.g.
after a worker was killed, are enqueued again) runs in a thread of every worker, every
WEBHOOK_SWEEP_SECONDS. Each step is safe to run from several workers at once, so
production runs as many of these processes as it needs, all alike.
"""

from __future__ import annotations

import logging
import os
import threading

from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from core.conf import app_settings

logger = logging.getLogger("onboarding.webhooks.worker")


def _sweep_forever(stop: threading.Event) -> None:
    from webhooks.services import webhooks_sweep

    while not stop.is_set():
        close_old_connections()
        try:
            done = webhooks_sweep()
            if any(done.values()):
                logger.info("sweep: %s", done)
        except Exception:
            logger.exception("webhooks sweep failed; retrying next interval")
        finally:
            connection.close()
        stop.wait(app_settings.WEBHOOK_SWEEP_SECONDS)


class Command(DbWorkerCommand):
    help = "Run a task worker (django-tasks database backend) with the periodic webhooks sweep."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-sweep", action="store_false", dest="sweep", help="tasks only")

    def handle(self, *args, **options) -> None:
        reloading_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if options.pop("sweep") and not reloading_parent and not options.get("batch"):
            stop = threading.Event()
            threading.Thread(target=_sweep_forever, args=(stop,), name="webhooks-sweep", daemon=True).start()
        super().handle(*args, **options)
