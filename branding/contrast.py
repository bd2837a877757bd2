"""WCAG 2.x relative luminance and contrast ratio of sRGB colours written #rrggbb.

The published formula (WCAG 2.2, "relative luminance" and "contrast ratio"); small enough
to keep here rather than depend on a colour library for ten lines.
"""

from __future__ import annotations

import re

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
AA_NORMAL_TEXT = 4.5  # WCAG 2.x success criterion 1.4.3, normal-size text


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """0.0 for black to 1.0 for white."""
    if not HEX_COLOR.match(color):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_ratio(first: str, second: str) -> float:
    """From 1.0 (the same luminance) to 21.0 (black on white), whichever colour is lighter."""
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)
