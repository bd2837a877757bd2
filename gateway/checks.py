"""Deployment check: every language the pages offer has its compiled catalogues (.mo files are
build output, made by scripts/compile-messages; without them a Filipino page is silently English)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.translation, deploy=True)
def compiled_catalogues_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [
        f"{lang}/LC_MESSAGES/{domain}.mo"
        for lang, _ in settings.LANGUAGES
        if lang != settings.LANGUAGE_CODE
        for domain in ("django", "djangojs")
        if not any(
            (Path(path) / lang / "LC_MESSAGES" / f"{domain}.mo").exists() for path in settings.LOCALE_PATHS
        )
    ]
    if not missing:
        return []
    return [
        Error(
            f"Compiled catalogues are missing: {', '.join(missing)}.",
            hint="Run scripts/compile-messages (make install does) before deploying.",
            id="gateway.E001",
        )
    ]
