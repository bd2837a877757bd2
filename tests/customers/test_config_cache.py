"""The redirect allowlist and the webhook subscriptions cached per worker under the
organization config epoch: used while the epoch holds, read again once it moves, never
used without one (the cache down). Changes "behind the cache" are made in SQL, which
moves no epoch, to show which of the two answered."""

import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from customers.authentication import api_keys_changed
from customers.epoch_cache import config_changed
from customers.models import RedirectOrigin
from webhooks.models import Endpoint, Event
from webhooks.services import endpoint_create

from .conftest import ORIGIN
from .test_key_cache import DEAD_REDIS

pytestmark = pytest.mark.django_db

RETURN = f"{ORIGIN}/done"


@pytest.fixture(autouse=True)
def _empty_caches():
    config_changed()
    yield
    config_changed()


def _initialize(api, customer):
    return api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": RETURN})


def _table_queries(ctx: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if table in q["sql"]]


def _remove_origin_behind_the_cache(organization) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {RedirectOrigin._meta.db_table} WHERE organization_id = %s",  # noqa: S608
            [organization.pk.hex if connection.vendor == "sqlite" else organization.pk],
        )


def test_the_allowlist_is_cached_while_the_epoch_holds_and_read_again_when_it_moves(api, customer):
    assert _initialize(api, customer).status_code == 201
    _remove_origin_behind_the_cache(customer.organization)
    with CaptureQueriesContext(connection) as ctx:
        assert _initialize(api, customer).status_code == 201  # the epoch did not move: cached
    assert _table_queries(ctx, "customers_redirectorigin") == []
    api_keys_changed()  # what any save or deletion of an origin does, through its signal
    response = _initialize(api, customer)
    assert response.status_code == 400
    assert response.json()["errors"]["redirectUrl"] == [
        "The redirect URL's origin is not on this organization's allowlist."
    ]


def test_an_origin_added_or_removed_through_the_orm_is_seen_on_the_next_request(api, customer):
    other = "https://late.example.com"
    assert (
        api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": f"{other}/x"}).status_code == 400
    )
    origin = RedirectOrigin.objects.create(organization=customer.organization, origin=other)
    assert (
        api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": f"{other}/x"}).status_code == 201
    )
    origin.delete()
    assert (
        api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": f"{other}/x"}).status_code == 400
    )


def test_without_the_cache_every_request_reads_the_allowlist(api, customer, caplog):
    assert _initialize(api, customer).status_code == 201
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        with CaptureQueriesContext(connection) as ctx:
            assert _initialize(api, customer).status_code == 201
        assert _table_queries(ctx, "customers_redirectorigin")
        _remove_origin_behind_the_cache(customer.organization)
        assert _initialize(api, customer).status_code == 400


def test_a_creation_nobody_subscribes_to_looks_up_no_endpoint_once_cached(api, organization):
    assert api.post("/v2/customers", {"refId": "warm"}).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert api.post("/v2/customers", {"refId": "cached"}).status_code == 201
    assert _table_queries(ctx, Endpoint._meta.db_table) == []
    assert not Event.objects.exists()


def test_an_endpoint_created_after_the_cache_was_filled_gets_the_next_event(
    api, organization, secret_registry
):
    assert api.post("/v2/customers", {"refId": "before"}).status_code == 201
    _, secret = endpoint_create(organization=organization, url="http://127.0.0.1:9/hook")
    secret_registry.add(secret)
    assert api.post("/v2/customers", {"refId": "after"}).status_code == 201
    assert [e.data["refId"] for e in Event.objects.filter(name="customer.created")] == ["after"]


def test_an_endpoint_disabled_behind_the_cache_still_gets_events_until_the_epoch_moves(
    api, organization, secret_registry
):
    endpoint, secret = endpoint_create(organization=organization, url="http://127.0.0.1:9/hook")
    secret_registry.add(secret)
    assert api.post("/v2/customers", {"refId": "one"}).status_code == 201
    Endpoint.objects.filter(pk=endpoint.pk).update(enabled=False)  # SQL by hand: no epoch move
    assert api.post("/v2/customers", {"refId": "two"}).status_code == 201
    config_changed()
    assert api.post("/v2/customers", {"refId": "three"}).status_code == 201
    assert sorted(e.data["refId"] for e in Event.objects.filter(name="customer.created")) == ["one", "two"]


def test_without_the_cache_every_creation_looks_up_the_endpoints(api, organization, caplog):
    assert api.post("/v2/customers", {"refId": "warm"}).status_code == 201
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        with CaptureQueriesContext(connection) as ctx:
            assert api.post("/v2/customers", {"refId": "uncached"}).status_code == 201
    assert _table_queries(ctx, Endpoint._meta.db_table)
