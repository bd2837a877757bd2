"""Branding fixtures: the customers API's client and keys, and real PNG/JPEG/SVG bytes."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tests.customers.conftest import (  # noqa: F401  (fixtures)
    Api,
    _generous_rate_limit,
    api,
    full_key,
    organization,
    other_organization,
    restricted_api,
    restricted_key,
)
from tests.gateway.conftest import flow  # noqa: F401  (fixture)


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (120, 40), color=(27, 58, 138), noise: bool = False
) -> bytes:
    image = Image.new("RGB", size, color)
    if noise:
        import os

        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def brand_acme(org, *, accent: str = "#1b3a8a", logo: bytes | None = None):
    """Acme Wallet's brand on `org`: name, accent, support link and a 120x40 PNG logo."""
    from branding.services import branding_update

    return branding_update(
        organization=org,
        actor="test",
        display_name="Acme Wallet",
        accent_color=accent,
        support_url="https://acme.example/help",
        logo=logo or image_bytes("PNG"),
    )


@pytest.fixture
def png() -> bytes:
    return image_bytes("PNG")
