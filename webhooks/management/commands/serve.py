"""`manage.py serve [addrport]`: the development server and a task worker, started and stopped together.

`make run` uses it so webhooks are delivered without a second terminal. Ctrl+C (or
either process ending) stops both.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run runserver and run_worker side by side (development)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options) -> None:
        manage = [sys.executable, sys.argv[0]]
        children = [
            subprocess.Popen([*manage, "runserver", options["addrport"]]),  # noqa: S603
            subprocess.Popen([*manage, "run_worker", "--no-reload"]),  # noqa: S603
        ]
        self.stderr.write("serve: runserver and run_worker started; Ctrl+C stops both.")

        def stop(signum, frame) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()  # SIGTERM: the worker finishes its task in hand, then exits
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed:
            sys.exit(1)
