"""The languages gateway pages and emails speak, and how a requested language tag maps to one."""

from __future__ import annotations

import re

from django.conf import settings

# Primary language subtags that name one of settings.LANGUAGES (docs/i18n.md). Tagalog (`tl`)
# is the language Filipino is standardised from: a Tagalog reader reads our Filipino.
ALIASES: dict[str, str] = {"en": "en", "fil": "fil", "tl": "fil"}

# A BCP 47 style tag: a 2-3 letter language, then subtags (region, script...), `-` or `_`.
_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")


def locale_resolve(tag: str) -> str | None:
    """The supported language a tag asks for: `fil`, `tl`, `fil-PH`, `tl_PH` -> `fil`;
    `en`, `en-US`, `en_GB` -> `en`; anything else (or a malformed tag) -> None."""
    text = tag.strip().replace("_", "-").lower()
    if not _TAG.match(text):
        return None
    code = ALIASES.get(text.split("-", 1)[0])
    return code if code in dict(settings.LANGUAGES) else None
