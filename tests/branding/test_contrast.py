"""The WCAG 2.x contrast ratio against published pairs, and the accent rule built on it."""

import pytest

from branding.contrast import contrast_ratio, relative_luminance
from branding.rules import FieldRefused, accent_clean


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # one step lighter fails
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#008000", "#ffffff", 5.14),
        ("#ffffff", "#000000", 21.0),  # order does not matter
    ],
)
def test_contrast_ratio_matches_known_pairs(first, second, expected):
    assert contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)


def test_relative_luminance_ends():
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    with pytest.raises(ValueError):
        relative_luminance("blue")


def test_a_dark_accent_gets_white_labels_and_a_light_one_dark_labels():
    assert accent_clean("#1B3A8A").text_color == "#ffffff"
    assert accent_clean("#1b3a8a").color == "#1b3a8a"
    assert accent_clean("#f5c542").text_color == "#1b1f24"


def test_a_mid_grey_reaches_neither_label_colour_and_is_refused_naming_the_ratio():
    with pytest.raises(FieldRefused) as refused:
        accent_clean("#777777")
    message = str(refused.value)
    assert "4.48:1" in message and "4.5:1" in message


def test_links_take_the_accent_only_where_it_reads_as_text():
    assert accent_clean("#1b3a8a").usable_for_links
    assert not accent_clean("#f5c542").usable_for_links
