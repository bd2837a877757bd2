"""Settings of the benchmark's gunicorn: the service's own settings plus two reference views."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
