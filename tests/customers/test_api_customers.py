"""POST/GET /v2/customers and GET /v2/customers/{id}: shapes, pagination and bad input."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, Organization
from customers.services import customer_create

from .conftest import counts

pytestmark = pytest.mark.django_db

CUSTOMER_FIELDS = {
    "id",
    "refId",
    "name",
    "hasPin",
    "hasRecovery",
    "pinStatus",
    "recoveryMethods",
    "pinDetails",
    "securityQuestionDetails",
    "emailRecoveryDetails",
    "createdAt",
    "updatedAt",
}


def test_create_customer(api, organization):
    response = api.post("/v2/customers", {"refId": "user-42", "name": "Ana Cruz"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["message"] == "Customer created"
    data = body["data"]
    assert set(data) == CUSTOMER_FIELDS
    assert data["refId"] == "user-42" and data["name"] == "Ana Cruz"
    assert data["hasPin"] is False and data["hasRecovery"] is False
    assert data["pinStatus"] == "UNSET" and data["recoveryMethods"] == []
    uuid.UUID(data["id"])
    assert api.get(f"/v2/customers/{data['id']}").json()["data"] == data
    organization.refresh_from_db()
    assert organization.customer_count == 1


def test_name_is_optional_and_unknown_fields_are_ignored(api):
    response = api.post("/v2/customers", {"refId": "u", "nickname": "ignored", "hasPin": True})
    assert response.status_code == 201
    assert response.json()["data"]["name"] == ""
    assert response.json()["data"]["hasPin"] is False


def test_ref_id_keeps_surrounding_spaces_and_accepts_255_chars(api):
    assert api.post("/v2/customers", {"refId": " padded "}).json()["data"]["refId"] == " padded "
    assert api.post("/v2/customers", {"refId": "r" * 255}).status_code == 201


def test_duplicate_ref_id_is_409_and_per_organization(api, other_api):
    assert api.post("/v2/customers", {"refId": "same"}).status_code == 201
    before = counts()
    response = api.post("/v2/customers", {"refId": "same", "name": "Again"})
    assert response.status_code == 409
    assert response.json()["success"] is False
    assert counts() == before
    assert other_api.post("/v2/customers", {"refId": "same"}).status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "refId"),
        ({"refId": ""}, "refId"),
        ({"refId": "   "}, "refId"),
        ({"refId": "x" * 256}, "refId"),
        ({"refId": 123}, "refId"),
        ({"refId": True}, "refId"),
        ({"refId": None}, "refId"),
        ({"refId": ["a"]}, "refId"),
        ({"refId": {"a": 1}}, "refId"),
        ({"refId": "nul\x00byte"}, "refId"),
        ({"refId": "ok", "name": 5}, "name"),
        ({"refId": "ok", "name": "n" * 256}, "name"),
        ({"refId": "ok", "idempotencyKey": "not-a-uuid"}, "idempotencyKey"),
    ],
)
def test_invalid_body_is_400_with_field_errors(api, organization, body, field):
    before = counts()
    response = api.post("/v2/customers", body)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert field in response.json()["errors"]
    assert counts() == before


@pytest.mark.parametrize(
    "raw, content_type, status",
    [
        ('{"refId": ', "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("null", "application/json", 400),
        ('"refId"', "application/json", 400),
        ('{"refId": "\\ud800"}', "application/json", 400),
        ("refId=abc", "application/x-www-form-urlencoded", 415),
        ('{"refId": "abc"}', "text/plain", 415),
    ],
)
def test_malformed_or_non_json_body_is_4xx_and_changes_nothing(api, organization, raw, content_type, status):
    before = counts()
    response = api.post("/v2/customers", raw=raw, content_type=content_type)
    assert response.status_code == status
    assert response.json()["success"] is False
    assert counts() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_wrong_method_is_405(api, customer, method):
    before = counts()
    for path in ["/v2/customers", f"/v2/customers/{customer.pk}"]:
        response = api.method(method, path)
        assert response.status_code == 405
        assert response.json()["success"] is False
    assert counts() == before


@pytest.mark.parametrize("bad_id", ["abc", "123", "00000000-0000-0000-0000-00000000000g", "%00", "' OR 1=1"])
def test_non_uuid_id_is_404(api, bad_id):
    response = api.get(f"/v2/customers/{bad_id}")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Customer not found"}


def test_unknown_and_foreign_customer_are_404(api, other_api, customer):
    assert api.get(f"/v2/customers/{uuid.uuid4()}").status_code == 404
    response = other_api.get(f"/v2/customers/{customer.pk}")
    assert response.status_code == 404
    assert response.json()["success"] is False


def _make(organization, n, start=None):
    start = start or timezone.now() - timedelta(days=1)
    made = [customer_create(organization=organization, ref_id=f"c{i:03d}") for i in range(n)]
    # Distinct, known creation times so the expected order does not depend on clock resolution.
    for i, c in enumerate(made):
        Customer.objects.filter(pk=c.pk).update(created_at=start + timedelta(seconds=i))
    return [f"c{i:03d}" for i in range(n)]


def test_list_defaults_desc_and_pagination(api, organization):
    refs = _make(organization, 13)
    body = api.get("/v2/customers").json()
    assert body["message"] == "Customers retrieved"
    assert [c["refId"] for c in body["data"]] == list(reversed(refs))[:10]
    assert body["pagination"] == {"page": 1, "limit": 10, "total": 13, "hasMore": True}
    body = api.get("/v2/customers", {"page": 2}).json()
    assert [c["refId"] for c in body["data"]] == list(reversed(refs))[10:]
    assert body["pagination"] == {"page": 2, "limit": 10, "total": 13, "hasMore": False}
    body = api.get("/v2/customers", {"page": 3}).json()
    assert body["data"] == [] and body["pagination"]["hasMore"] is False


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 3, 4, 100])
def test_every_page_in_both_orders_matches_the_full_ordering(api, organization, order, limit):
    refs = _make(organization, 11)
    expected = refs if order == "asc" else list(reversed(refs))
    seen = []
    page = 1
    while True:
        body = api.get("/v2/customers", {"page": page, "limit": limit, "order": order}).json()
        seen += [c["refId"] for c in body["data"]]
        assert body["pagination"]["total"] == 11
        if not body["pagination"]["hasMore"]:
            break
        page += 1
    assert seen == expected


def test_same_created_at_still_pages_without_duplicates(api, organization):
    refs = _make(organization, 7)
    Customer.objects.update(created_at=timezone.now())
    seen = []
    for page in range(1, 5):
        seen += [c["refId"] for c in api.get("/v2/customers", {"page": page, "limit": 2}).json()["data"]]
    assert sorted(seen) == refs


def test_list_is_scoped_to_the_organization(api, other_api, organization):
    _make(organization, 3)
    body = other_api.get("/v2/customers").json()
    assert body["data"] == [] and body["pagination"]["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": -1},
        {"page": "abc"},
        {"page": "1.5"},
        {"page": "9" * 40},
        {"limit": 0},
        {"limit": 101},
        {"limit": "x"},
        {"order": "up"},
        {"order": "DESCENDING"},
    ],
)
def test_bad_list_parameters_are_400(api, params):
    response = api.get("/v2/customers", params)
    assert response.status_code == 400
    assert set(params) <= set(response.json()["errors"])


def test_list_queries_do_not_grow_with_page_depth_or_size(api, organization):
    _make(organization, 30)
    api.get("/v2/customers")
    sizes = []
    for params in [
        {"page": 1},
        {"page": 3},
        {"page": 30, "limit": 1},
        {"page": 1, "limit": 100},
        {"page": 2, "order": "asc"},
    ]:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/v2/customers", params).status_code == 200
        sizes.append(len(ctx.captured_queries))
        assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    assert sizes == [2] * len(sizes)


def test_total_comes_from_the_counter_kept_by_create(api, organization):
    _make(organization, 4)
    assert Organization.objects.get(pk=organization.pk).customer_count == 4
    assert api.get("/v2/customers").json()["pagination"]["total"] == 4


def test_create_customer_is_a_few_queries(api):
    api.get("/v2/customers")
    with CaptureQueriesContext(connection) as ctx:
        assert api.post("/v2/customers", {"refId": "cheap"}).status_code == 201
    statements = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 5  # key, insert customer, bump counter, audit row, webhook endpoints lookup


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_deep_pages_through_cached_anchors_match_the_full_ordering(api, organization, monkeypatch, order):
    from customers import selectors

    monkeypatch.setattr(selectors, "ANCHOR_EVERY", 3)
    refs = _make(organization, 23)
    for grow in (0, 4):  # anchors built at 23 rows stay right after appends
        if grow:
            more = [customer_create(organization=organization, ref_id=f"d{i}") for i in range(grow)]
            refs += [c.ref_id for c in more]
        expected = refs if order == "asc" else list(reversed(refs))
        for limit in (1, 2, 5):
            seen = []
            for page in range(1, len(refs) // limit + 2):
                body = api.get("/v2/customers", {"page": page, "limit": limit, "order": order}).json()
                seen += [c["refId"] for c in body["data"]]
            assert seen == expected, (limit, grow)


def test_deep_page_query_count_stays_constant_with_anchors(api, organization, monkeypatch):
    from customers import selectors

    monkeypatch.setattr(selectors, "ANCHOR_EVERY", 3)
    _make(organization, 30)
    api.get("/v2/customers", {"page": 15, "limit": 2})  # builds the anchors once
    with CaptureQueriesContext(connection) as ctx:
        body = api.get("/v2/customers", {"page": 14, "limit": 2}).json()
    assert [c["refId"] for c in body["data"]] == ["c003", "c002"]
    assert len(ctx.captured_queries) == 2
