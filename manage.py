#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Without DJANGO_SETTINGS_MODULE it uses the embedded development settings (SQLite, an
in-process cache, development-only keys), and with them DEBUG on unless DJANGO_DEBUG says otherwise:
this is how `make run` and `make test` work on a fresh machine. It is the only entry point
with such a default; config/wsgi.py and config/asgi.py default to production settings.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    if os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings.base":
        # The development entry point: DEBUG defaults to on (DJANGO_DEBUG, from the environment
        # or .env, still decides). Any other way in (WSGI, ASGI, an import) defaults to off.
        os.environ["DJANGO_DEVELOPMENT_ENTRY_POINT"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
