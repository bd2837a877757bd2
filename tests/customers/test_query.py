"""customers.query reads a list's query string exactly as ListQuerySerializer does."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from customers.query import CHALLENGE_QUERY, PAGE_QUERY, query_read
from customers.serializers import ChallengeListQuerySerializer, ListQuerySerializer

_values = st.one_of(
    st.integers(min_value=-5, max_value=2_000_000).map(str),
    st.sampled_from(["", " ", "5.0", "5.00 ", "1e3", "+7", "0x10", "1_0", "٣", "ASC", "Desc", "asc", "desc"]),
    st.sampled_from(["pending", "in_progress", "verified", "failed", "expired", "PENDING", "x" * 1001]),
    st.text(max_size=12),
)
_pairs = st.lists(
    st.tuples(st.sampled_from(["page", "limit", "order", "status", "other"]), _values), max_size=6
)


def _answer(read):
    try:
        return "valid", read()
    except ValidationError as exc:
        return "errors", {k: [str(m) for m in v] for k, v in exc.detail.items()}


def _by_serializer(serializer_class, query):
    form = serializer_class(data=query)
    if form.is_valid():
        return "valid", dict(form.validated_data)
    return "errors", {k: [str(m) for m in v] for k, v in form.errors.items()}


@settings(max_examples=400, deadline=None)
@given(_pairs)
@example([("limit", "0")])
@example([("limit", "")])
@example([("page", "2"), ("page", "x")])
@example([("order", "SIDEWAYS"), ("limit", "101")])
def test_page_query_matches_the_serializer(pairs):
    query = QueryDict(urlencode(pairs))
    assert _answer(lambda: query_read(query, PAGE_QUERY)) == _by_serializer(ListQuerySerializer, query)


@settings(max_examples=400, deadline=None)
@given(_pairs)
@example([("status", "verified"), ("order", "ASC")])
@example([("status", "")])
def test_challenge_query_matches_the_serializer(pairs):
    query = QueryDict(urlencode(pairs))
    assert _answer(lambda: query_read(query, CHALLENGE_QUERY)) == _by_serializer(
        ChallengeListQuerySerializer, query
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"page": 1, "limit": 10, "order": "desc"}),
        ("page=3&limit=5.0&order=ASC", {"page": 3, "limit": 5, "order": "asc"}),
    ],
)
def test_defaults_and_forms_a_client_sends(text, expected):
    assert query_read(QueryDict(text)) == expected


def test_messages_follow_the_request_language():
    """Each message is looked up once per language: a refusal right after one in another
    language is still in its own (German stands in for any language DRF translates)."""
    from django.utils import translation

    expected = {
        "en": ("Ensure this value is greater than or equal to 1.", '"sideways" is not a valid choice.'),
        "de": (
            "Stelle sicher, dass dieser Wert größer oder gleich 1 ist.",
            '"sideways" ist keine gültige Option.',
        ),
    }
    query = QueryDict("limit=0&order=sideways")
    for language in ["en", "de", "en", "de"]:
        with translation.override(language):
            errors = _answer(lambda: query_read(query))[1]
        assert (errors["limit"][0], errors["order"][0]) == expected[language]
