"""Input and query serializers share one set of fields per class (customers.serializers)."""

from django.http import QueryDict
from rest_framework import serializers

from customers.serializers import (
    CustomerCreateInputSerializer,
    ListQuerySerializer,
    SharedFieldsMixin,
)
from wallets.serializers import WalletCreateInputSerializer


def test_a_refused_query_leaves_nothing_for_the_next_one():
    bad = ListQuerySerializer(data=QueryDict("limit=0&order=sideways"))
    assert not bad.is_valid()
    assert set(bad.errors) == {"limit", "order"}
    good = ListQuerySerializer(data=QueryDict("limit=5&order=ASC"))
    assert good.is_valid(), good.errors
    assert good.validated_data == {"page": 1, "limit": 5, "order": "asc"}
    assert ListQuerySerializer(data=QueryDict("")).fields is good.fields  # built once


def test_bodies_validate_independently_with_shared_fields():
    first = CustomerCreateInputSerializer(data={"refId": "   "})
    second = CustomerCreateInputSerializer(data={"refId": "user-1", "name": None})
    assert not first.is_valid()
    assert first.errors == {"refId": ["This field may not be blank."]}
    assert second.is_valid(), second.errors
    assert second.validated_data == {"refId": "user-1", "name": None}
    assert all(field.parent is None for field in second.fields.values())


def test_a_serializer_with_a_nested_one_keeps_its_own_fields(monkeypatch):
    monkeypatch.setattr(SharedFieldsMixin, "_class_fields", {})  # `one` is the class's first
    one = WalletCreateInputSerializer(data={})
    two = WalletCreateInputSerializer(data={})
    assert isinstance(one, SharedFieldsMixin)
    assert one.fields is not two.fields
    assert isinstance(one.fields["metadata"].child, serializers.Serializer)
    assert one.fields["metadata"].child.parent is one.fields["metadata"]
    assert one.fields["metadata"].parent is one and two.fields["metadata"].parent is two
