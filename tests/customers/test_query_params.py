"""Query parameters sent empty are refused like any other invalid value (found by fuzzing)."""
import pytest

from .conftest import counts


@pytest.mark.parametrize("query", ["order=", "page=", "limit=", "order=&page=2"])
def test_an_empty_list_parameter_is_a_400_not_the_default(api, query):
    response = api.get(f"/v2/customers?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False
    assert set(body["errors"]) == {query.split("=")[0]}


def test_an_empty_challenge_status_filter_is_a_400(api, organization):
    from customers.services import customer_create

    customer = customer_create(organization=organization, ref_id="q-1", name="Q")
    before = counts()
    response = api.get(f"/v2/customers/{customer.pk}/challenges?status=")
    assert response.status_code == 400
    assert response.json()["errors"] == {"status": ["This field may not be blank."]}
    assert counts() == before


def test_absent_parameters_still_take_their_defaults(api):
    response = api.get("/v2/customers")
    assert response.status_code == 200
    assert response.json()["pagination"] == {"page": 1, "limit": 10, "total": 0, "hasMore": False}
