"""WSGI entry point for gunicorn. Defaults to production settings (fail closed): they refuse
to start without real secrets. Development goes through manage.py (embedded settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
