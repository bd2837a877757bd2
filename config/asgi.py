"""ASGI entry point. Defaults to production settings (fail closed), as config/wsgi.py does."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
