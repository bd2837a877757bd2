"""Property tests: the merchant validators accept exactly what the Create Account document allows.

Each rule is written again here as an independent oracle from the document's text
(seeds/004, "Validation Requirements"), and hypothesis compares the validator with it on
generated strings: Unicode letters, digits, the exact special set, other symbols,
whitespace, and lengths around every boundary. Where the text leaves room, the oracle
states the reading we chose:
- Name: "Unicode letters, spaces, hyphens, and apostrophes" — compared after NFC (a
  decomposed "é" is the letter é); a combining mark written after a letter belongs to
  that letter; the typographic apostrophe (U+2019) counts as an apostrophe; "space" is
  U+0020; a name has at least one letter.
- Username: "Letters, numbers" — ASCII, as the password rule spells its classes (A-Z, 0-9)
  and unlike the name rule, which says "Unicode".
- PIN (README, Create Account): 4 to 6 ASCII digits.
- Phone (README, Create Account): a Philippine mobile (+63 9xx xxx xxxx) in any common writing; which
  blocks of the 10-digit plan are mobile comes from libphonenumber, so the refusal side
  only asserts outside those blocks.
"""

import string
import unicodedata

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from merchants.validators import Errors, check_name, check_password, check_phone, check_pin, check_username

SPECIALS = "#?!@$%^&*-"
OTHER_SYMBOLS = "~`()_+=[]{}|\\:;\"'<>,./ \t\u00a0§±€£¥©®°·•…–—‘’“”"
UNICODE_LETTERS = "ñÑéÉüßøÆłŁçğşıİжЖщЩλΩאבاب日本語한글ไทย"
DIGITS_OTHER = "٠١٢٣٤٥٦٧٨٩０１２３４５６७८"  # Arabic-Indic, fullwidth, Devanagari digits
MARKS = "\u0301\u0308\u0327\u0303"  # combining acute, diaeresis, cedilla, tilde

ALPHABET = (
    string.ascii_letters + string.digits + SPECIALS + OTHER_SYMBOLS + UNICODE_LETTERS + DIGITS_OTHER + MARKS
)


def examples(*values: str):
    """Explicit cases run before the generated ones, on every run."""

    def wrap(test):
        for value in reversed(values):
            test = example(value)(test)
        return test

    return wrap


def text(alphabet: str = ALPHABET, max_size: int = 70) -> st.SearchStrategy[str]:
    return st.text(alphabet=st.sampled_from(alphabet), max_size=max_size)


def around(lengths: list[int], alphabet: str) -> st.SearchStrategy[str]:
    """Strings of exactly the boundary lengths, from `alphabet`."""
    return st.sampled_from(lengths).flatmap(
        lambda n: st.text(alphabet=st.sampled_from(alphabet), min_size=n, max_size=n)
    )


def accepted(check, value: str) -> bool:
    errors = Errors()
    result = check(errors, {"v": value}, "v", "user.v")
    assert bool(errors) == (result is None), (value, errors.messages)
    return not errors


# --- oracles, from the document's words -----------------------------------------------


def oracle_password(value: str) -> bool:
    return (
        12 <= len(value) <= 64
        and any("A" <= c <= "Z" for c in value)
        and any("a" <= c <= "z" for c in value)
        and any("0" <= c <= "9" for c in value)
        and any(c in SPECIALS for c in value)
    )


def oracle_name(value: str) -> bool:
    value = unicodedata.normalize("NFC", value)
    if not 1 <= len(value) <= 100:
        return False
    seen_letter = False
    for char in value:
        category = unicodedata.category(char)
        if category[0] == "L":
            seen_letter = True
        elif category[0] == "M" and seen_letter:
            continue
        elif char not in " -'\u2019":
            return False
    return seen_letter


def oracle_username(value: str) -> bool:
    allowed = set(string.ascii_letters + string.digits + "._-")
    return 1 <= len(value) <= 50 and all(c in allowed for c in value)


def oracle_pin(value: str) -> bool:
    return 4 <= len(value) <= 6 and all(c in "0123456789" for c in value)


# --- properties -----------------------------------------------------------------------


@settings(max_examples=600)
@given(
    st.one_of(
        text(),
        around([0, 1, 11, 12, 13, 63, 64, 65], ALPHABET),
        around([11, 12, 64, 65], "Aa1#"),
        around([12, 64], SPECIALS + "Aa1"),
    )
)
@examples("SecurePass123!")  # the document's own example
@examples("Aa1#Aa1#Aa1#", "Aa1#Aa1#Aa1", "aa1#aa1#aa1#", "AA1#AA1#AA1#")
@examples("Aa1#" * 16, "Aa1#" * 16 + "a", "Aaaaaaaaaaa1_", "Ａa1#aaaaaaaa")
def test_password_rule(value):
    assert accepted(check_password, value) == oracle_password(value), value


@settings(max_examples=600)
@given(
    st.one_of(
        text(),
        around([1, 99, 100, 101], UNICODE_LETTERS + string.ascii_letters + " -'"),
        around([1, 2, 100, 101], "aé" + MARKS),
    )
)
@examples("María-José O'Neil", "Nguyễn", "D’Angelo", "   ", "-")
@examples("John3", "Zoë\u00a0Li", "e\u0301" * 100, "a" * 100, "a" * 101)
def test_name_rule(value):
    assert accepted(check_name, value) == oracle_name(value), value


@settings(max_examples=600)
@given(
    st.one_of(
        text(max_size=60),
        around([0, 1, 49, 50, 51], string.ascii_letters + string.digits + "._-"),
        around([1, 50], "aZ9._-ñ "),
    )
)
@examples("juan.dc", "a" * 50, "a" * 51, "juan dc", "juañ", "ab@c")
def test_username_rule(value):
    assert accepted(check_username, value) == oracle_username(value), value


@settings(max_examples=600)
@given(
    st.one_of(text(string.digits + DIGITS_OTHER + " -+a", max_size=8), around([3, 4, 5, 6, 7], string.digits))
)
@examples("1234", "123456", "123", "1234567", "١٢٣٤", " 1234")
def test_pin_rule(value):
    assert accepted(check_pin, value) == oracle_pin(value), value


# Mobile prefixes assigned in the Philippines (Globe, Smart, DITO, Sun): 9xx.
PH_MOBILE_PREFIXES = [
    "905",
    "906",
    "915",
    "917",
    "918",
    "919",
    "920",
    "921",
    "927",
    "928",
    "939",
    "945",
    "949",
    "955",
    "961",
    "977",
    "991",
    "995",
    "998",
    "999",
]


@st.composite
def ph_mobile(draw) -> tuple[str, str]:
    """A Philippine mobile written one of the common ways, with its E.164 form."""
    prefix = draw(st.sampled_from(PH_MOBILE_PREFIXES))
    rest = draw(st.text(alphabet=string.digits, min_size=7, max_size=7))
    national = prefix + rest
    groups = [national[:3], national[3:6], national[6:]]
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    lead = draw(st.sampled_from(["+63", "+63 ", "0", "63", "+63 (", "(0"]))
    body = sep.join(groups)
    if lead.endswith("("):
        body = f"{groups[0]}) {groups[1]}{sep}{groups[2]}"
    return lead + body, "+63" + national


@settings(max_examples=400)
@given(ph_mobile())
def test_phone_any_common_writing_of_a_ph_mobile_is_stored_as_e164(written):
    value, e164 = written
    errors = Errors()
    assert check_phone(errors, {"v": value}, "v", "contact.v") == e164, (value, errors.messages)


@settings(max_examples=400)
@given(
    st.one_of(
        text(string.digits + " +-().", max_size=16),
        st.text(alphabet=st.sampled_from(string.digits), min_size=7, max_size=13),
        st.sampled_from(
            [
                "+1 415 555 0100",
                "+44 7700 900123",
                "02 8123 4567",
                "+63 2 8123 4567",
                "0917 123 456",
                "0917 123 45678",
                "+63917123456a",
                "０９１７１２３４５６７",
                "",
            ]
        ),
    )
)
def test_phone_anything_else_is_refused(value):
    digits = "".join(c for c in value if c in string.digits)
    # The acceptance side is the property above; here only strings that cannot be a PH
    # mobile: anything but 10 national digits in the mobile ranges (9xx, and the few 81x/89x
    # blocks of the numbering plan) behind a PH prefix, written with common separators.
    national = digits[2:] if digits.startswith("63") else digits[1:] if digits.startswith("0") else digits
    assume(not (len(national) == 10 and national[0] in "89" and set(value) <= set(string.digits + " +-().")))
    errors = Errors()
    assert check_phone(errors, {"v": value}, "v", "contact.v") is None, value
