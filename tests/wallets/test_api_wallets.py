"""GET /v2/wallets (filters, pagination, tenancy, query count), GET and PUT /v2/wallets/{id}."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.services import customer_create
from wallets.models import Wallet

from .conftest import onboarded, provision

pytestmark = pytest.mark.django_db

WALLET_FIELDS = {
    "id",
    "customerId",
    "blockchain",
    "address",
    "accountType",
    "state",
    "name",
    "refId",
    "keyIndex",
    "exported",
    "createdAt",
    "updatedAt",
}


def test_wallets_of_one_call_share_an_index_and_an_address(api, customer):
    _challenge, wallets = provision(
        customer, ["ETH-SEPOLIA", "MATIC-AMOY"], metadata=[{"name": "Main", "refId": "w-1"}]
    )
    assert {w.address for w in wallets} == {wallets[0].address} and {w.key_index for w in wallets} == {0}
    _, more = provision(customer, ["ETH"])
    assert more[0].key_index == 1 and more[0].address != wallets[0].address
    response = api.get("/v2/wallets", {"customerIds": str(customer.pk), "order": "asc"})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "Wallets retrieved"
    assert body["pagination"] == {"page": 1, "limit": 10, "total": 3, "hasMore": False}
    first = body["data"][0]
    assert set(first) == WALLET_FIELDS
    assert (
        first["customerId"] == str(customer.pk) and first["state"] == "LIVE" and first["accountType"] == "EOA"
    )
    assert first["blockchain"] == "ETH-SEPOLIA" and first["name"] == "Main" and first["refId"] == "w-1"
    assert first["exported"] is False and first["keyIndex"] == 0
    assert body["data"][1]["name"] == "" and body["data"][1]["blockchain"] == "MATIC-AMOY"


def test_filters(api, organization, customer):
    other = onboarded(customer_create(organization=organization, ref_id="user-2"))
    _, mine = provision(customer, ["ETH", "BASE"], metadata=[{"refId": "r-eth"}])
    _, theirs = provision(other, ["ETH"])

    def ids(**params):
        response = api.get("/v2/wallets", params)
        assert response.status_code == 200, response.json()
        return {w["id"] for w in response.json()["data"]}

    assert ids() == {str(w.id) for w in mine + theirs}
    assert ids(customerIds=f"{customer.pk},{other.pk}") == {str(w.id) for w in mine + theirs}
    assert ids(customerIds=str(other.pk)) == {str(theirs[0].id)}
    assert ids(blockchain="BASE") == {str(mine[1].id)}
    assert ids(address=mine[0].address.lower()) == {str(w.id) for w in mine}
    assert ids(refId="r-eth") == {str(mine[0].id)}
    assert ids(refId="r-eth", blockchain="BASE") == set()
    # repeated parameter works as a comma-separated one
    response = api.client.get(
        f"/v2/wallets?customerIds={customer.pk}&customerIds={other.pk}",
        headers={"PLANBOK-X-API-KEY": api.key},
    )
    assert {w["id"] for w in response.json()["data"]} == {str(w.id) for w in mine + theirs}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"customerIds": "nope"}, "customerIds"),
        ({"customerIds": ""}, "customerIds"),
        ({"customerIds": "00000000-0000-4000-8000-000000000000,"}, "customerIds"),
        ({"customerIds": ",".join(["00000000-0000-4000-8000-000000000000"] * 101)}, "customerIds"),
        ({"blockchain": "DOGE"}, "blockchain"),
        ({"address": "0x1234"}, "address"),
        ({"address": "0x" + "g" * 40}, "address"),
        ({"page": "0"}, "page"),
        ({"limit": "101"}, "limit"),
        ({"order": "up"}, "order"),
    ],
)
def test_bad_list_queries_are_400(api, params, field):
    response = api.get("/v2/wallets", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_pagination_and_order(api, customer):
    created = []
    for _ in range(3):
        created += provision(customer, ["ETH", "OP"])[1]
    response = api.get("/v2/wallets", {"limit": 4, "page": 2, "order": "asc"}).json()
    assert response["pagination"] == {"page": 2, "limit": 4, "total": 6, "hasMore": False}
    asc = [w["id"] for w in api.get("/v2/wallets", {"limit": 100, "order": "asc"}).json()["data"]]
    desc = [w["id"] for w in api.get("/v2/wallets", {"limit": 100}).json()["data"]]
    assert asc == desc[::-1] and set(asc) == {str(w.id) for w in created}
    assert [w["id"] for w in response["data"]] == asc[4:6]


def test_other_organizations_wallets_are_invisible(api, other_api, customer):
    _, wallets = provision(customer, ["ETH"])
    body = other_api.get("/v2/wallets").json()
    assert body["data"] == [] and body["pagination"]["total"] == 0
    assert other_api.get("/v2/wallets", {"customerIds": str(customer.pk)}).json()["data"] == []
    assert other_api.get(f"/v2/wallets/{wallets[0].id}").status_code == 404
    put = other_api.client.put(
        f"/v2/wallets/{wallets[0].id}",
        '{"name": "x"}',
        content_type="application/json",
        headers={"PLANBOK-X-API-KEY": other_api.key},
    )
    assert put.status_code == 404
    assert Wallet.objects.get(pk=wallets[0].pk).name == ""


def put(api, wallet_id, body, raw=None):
    import json

    return api.client.put(
        f"/v2/wallets/{wallet_id}",
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        headers={"PLANBOK-X-API-KEY": api.key},
    )


def test_get_and_update_a_wallet(api, restricted_api, customer):
    _, wallets = provision(customer, ["ETH"])
    wallet = wallets[0]
    got = api.get(f"/v2/wallets/{wallet.id}").json()
    assert got["data"]["id"] == str(wallet.id) and got["data"]["address"] == wallet.address
    response = put(api, wallet.id, {"name": "Savings", "refId": "acct-9"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["name"] == "Savings" and data["refId"] == "acct-9" and data["address"] == wallet.address
    assert put(api, wallet.id, {"name": "Only the name"}).json()["data"]["refId"] == "acct-9"
    assert restricted_api.get(f"/v2/wallets/{wallet.id}").status_code == 200
    assert put(restricted_api, wallet.id, {"name": "nope"}).status_code == 403
    assert Wallet.objects.get(pk=wallet.pk).name == "Only the name"


@pytest.mark.parametrize(
    "body",
    [{"name": "x" * 256}, {"refId": "x" * 256}, {"name": 3}, {"refId": None}, {"name": "a\u0000b"}],
)
def test_bad_updates_are_400_and_change_nothing(api, customer, body):
    _, wallets = provision(customer, ["ETH"])
    response = put(api, wallets[0].id, body)
    assert response.status_code == 400 and response.json()["success"] is False
    assert Wallet.objects.get(pk=wallets[0].pk).name == ""


def test_unknown_wallet_ids_are_404(api):
    assert api.get("/v2/wallets/not-a-uuid").status_code == 404
    assert api.get("/v2/wallets/00000000-0000-4000-8000-000000000000").status_code == 404
    assert put(api, "00000000-0000-4000-8000-000000000000", {"name": "x"}).status_code == 404
    assert put(api, "x", None, raw="{").status_code in (400, 404)


def test_list_query_count_does_not_grow_with_the_page(api, organization, customer):
    others = [onboarded(customer_create(organization=organization, ref_id=f"u-{i}")) for i in range(4)]
    for c in [customer, *others]:
        provision(c, ["ETH", "ARB"])
    ids = ",".join(str(c.pk) for c in [customer, *others])
    api.get("/v2/wallets", {"customerIds": ids})  # warm the key's last-used bookkeeping

    def queries(**params):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/v2/wallets", params).status_code == 200
        return len(ctx.captured_queries)

    small = queries(customerIds=str(customer.pk), limit=1)
    large = queries(customerIds=ids, limit=100)
    assert small == large <= 3
    assert queries(limit=100) == queries(limit=1) <= 3
