"""The one set of checks on a brand, shared by the API and the admin: each cleaner returns the
value to store or raises FieldRefused with a message fit to show the integrator."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from PIL import Image

from .contrast import AA_NORMAL_TEXT, HEX_COLOR, contrast_ratio

DISPLAY_NAME_MAX = 60
SUPPORT_URL_MAX = 500
LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 1024
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}  # sniffed MIME type -> Pillow format

# The page's colours (static/gateway/css/gateway.css): a button label is white or the text colour;
# links sit on the card (white) or the page background.
WHITE = "#ffffff"
PAGE_TEXT = "#1b1f24"
PAGE_BACKGROUNDS = ("#ffffff", "#f6f8fa")


class FieldRefused(ValueError):
    """A field's value is refused; the message says why, without echoing any large input."""


def display_name_clean(value: str) -> str:
    name = " ".join(str(value).split())
    if not name:
        raise FieldRefused("displayName must not be empty")
    if len(name) > DISPLAY_NAME_MAX:
        raise FieldRefused(f"displayName must be at most {DISPLAY_NAME_MAX} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise FieldRefused("displayName must not contain control or formatting characters")
    return name


@dataclass(frozen=True)
class Accent:
    color: str  # the buttons' background
    text_color: str  # the buttons' label: white or the page's text colour, whichever contrasts more

    @property
    def usable_for_links(self) -> bool:
        """Links and outlines take the accent only where it reads as text on every page background."""
        return min(contrast_ratio(self.color, bg) for bg in PAGE_BACKGROUNDS) >= AA_NORMAL_TEXT


def accent_label_color(color: str) -> str:
    return WHITE if contrast_ratio(color, WHITE) >= contrast_ratio(color, PAGE_TEXT) else PAGE_TEXT


def accent_clean(value: str) -> Accent:
    color = str(value).strip()
    if not HEX_COLOR.match(color):
        raise FieldRefused("accentColor must be a colour written #rrggbb, for example #1b3a8a")
    color = color.lower()
    label = accent_label_color(color)
    ratio = contrast_ratio(color, label)
    if ratio < AA_NORMAL_TEXT:
        raise FieldRefused(
            f"accentColor {color} gives button text a contrast of {ratio:.2f}:1 at best "
            f"(white or {PAGE_TEXT}); WCAG AA needs at least {AA_NORMAL_TEXT}:1. "
            "Choose a darker or a lighter colour."
        )
    return Accent(color=color, text_color=label)


_https_url = URLValidator(schemes=["https"])


def support_url_clean(value: str) -> str:
    url = str(value).strip()
    if len(url) > SUPPORT_URL_MAX:
        raise FieldRefused(f"supportUrl must be at most {SUPPORT_URL_MAX} characters")
    try:
        _https_url(url)
    except ValidationError:
        raise FieldRefused(
            "supportUrl must be an https:// address, for example https://acme.example/help"
        ) from None
    return url


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    sha256: str
    width: int
    height: int


def logo_clean(data: bytes) -> Logo:
    """A PNG or JPEG recognised by its bytes (not its name or declared type), decoded in full."""
    if not data:
        raise FieldRefused("logo is empty")
    if len(data) > LOGO_MAX_BYTES:
        raise FieldRefused(
            f"logo must be at most {LOGO_MAX_BYTES // 1024} KiB (this one is {len(data) // 1024} KiB)"
        )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in LOGO_TYPES:
        raise FieldRefused("logo must be a PNG or JPEG image (SVG and other formats are not accepted)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[LOGO_TYPES[kind.mime]]) as image:
                width, height = image.size
                if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                    raise FieldRefused(
                        f"logo must be at most {LOGO_MAX_SIDE}x{LOGO_MAX_SIDE} pixels "
                        f"(this one is {width}x{height})"
                    )
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except FieldRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FieldRefused("logo is not a readable PNG or JPEG image") from None
    return Logo(
        data=data,
        content_type=kind.mime,
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )
