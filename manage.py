#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Without DJANGO_SETTINGS_MODULE it uses the embedded development settings (SQLite, an
in-process cache, development-only keys) with DEBUG on unless DJANGO_DEBUG says otherwise:
this is how `make run` and `make test` work on a fresh machine. It is the only entry point
with such a default; config/wsgi.py and config/asgi.py default to production settings.
"""

import os
import sys


def main() -> None:
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
        os.environ.setdefault("DJANGO_DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
