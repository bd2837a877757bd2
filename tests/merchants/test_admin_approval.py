"""Backoffice: API client admin, the pending queue, Approve / Decline, approved-only lists."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from merchants import services
from merchants.models import Account, ApiClient, Branch

from .factories import VALID_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "x-unused-x")
    client.force_login(user)
    return client, user


def _make(partner, username: str) -> Account:
    client, _ = partner
    return services.account_create(
        api_client=client,
        email=f"{username}@example.com",
        phone="+639171234567",
        first_name="Rosa",
        middle_name="",
        last_name="Lim",
        username=username,
        password=VALID_PASSWORD,
        pin="4826",
    )


def _action(client, url, action, ids, **extra):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], **extra})


PENDING_URL = "/admin/accounts/pendingaccount/"


def test_pending_queue_lists_only_pending_accounts_oldest_first(staff, partner, secret_registry):
    client, user = staff
    secret_registry.add(VALID_PASSWORD)
    _first, _second, done = (_make(partner, n) for n in ("first.one", "second.one", "done.one"))
    services.account_approve(account=done, approved_by=user)
    response = client.get(PENDING_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "first.one" in html and "second.one" in html and "done.one" not in html
    assert html.index("first.one") < html.index("second.one")


def test_approve_action_creates_branch_and_records_who_and_when(staff, partner, api, secret_registry):
    client, user = staff
    account = _make(partner, "rosa.lim")
    response = _action(client, PENDING_URL, "approve_accounts", [account.pk])
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == Account.Status.APPROVED
    assert account.branch is not None and account.branch.name == "Rosa Lim (rosa.lim)"
    assert account.branch.merchant.name == "Packworks Merchant"
    assert account.decided_by == user and account.decided_at is not None
    event = AuditEvent.objects.get(action="merchant_account.approved", target_id=str(account.pk))
    assert event.actor == "staff:boss"
    # Approving again (e.g. from the full account list) makes no second branch.
    _action(client, "/admin/accounts/account/", "approve_accounts", [account.pk])
    assert Branch.objects.count() == 1
    assert services.account_approve(account=account, approved_by=user) == account.branch
    # The account holder reads it.
    pair = api.post(
        "/v2/account/token", {"username": "rosa.lim", "password": VALID_PASSWORD}, format="json"
    ).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    status = api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {pair['accessToken']}").json()
    assert status == {
        "id": account.pk,
        "status": "APPROVED",
        "branch": {"id": account.branch.pk, "name": "Rosa Lim (rosa.lim)"},
        "declinedReason": None,
    }


def test_decline_asks_for_a_reason_first(staff, partner, api, secret_registry):
    client, user = staff
    account = _make(partner, "dec.line")
    page = _action(client, PENDING_URL, "decline_accounts", [account.pk])
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    account.refresh_from_db()
    assert account.status == Account.Status.PENDING
    empty = _action(client, PENDING_URL, "decline_accounts", [account.pk], apply="1", reason="   ")
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    account.refresh_from_db()
    assert account.status == Account.Status.PENDING
    done = _action(
        client,
        PENDING_URL,
        "decline_accounts",
        [account.pk],
        apply="1",
        reason="Business permit is unreadable",
    )
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.status == Account.Status.DECLINED
    assert account.declined_reason == "Business permit is unreadable"
    assert account.decided_by == user and account.branch is None
    pair = api.post(
        "/v2/account/token", {"username": "dec.line", "password": VALID_PASSWORD}, format="json"
    ).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    status = api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {pair['accessToken']}").json()
    assert status == {
        "id": account.pk,
        "status": "DECLINED",
        "branch": None,
        "declinedReason": "Business permit is unreadable",
    }


def test_decline_service_needs_a_reason_and_decided_accounts_stay(partner, staff):
    _, user = staff
    account = _make(partner, "needs.reason")
    with pytest.raises(DomainError):
        services.account_decline(account=account, declined_by=user, reason=" ")
    services.account_approve(account=account, approved_by=user)
    with pytest.raises(Conflict):
        services.account_decline(account=account, declined_by=user, reason="changed my mind")
    other = _make(partner, "declined.one")
    services.account_decline(account=other, declined_by=user, reason="incomplete")
    with pytest.raises(Conflict):
        services.account_approve(account=other, approved_by=user)
    assert Branch.objects.count() == 1


def test_merchant_and_branch_lists_show_only_approved(staff, partner):
    client, user = staff
    approved, pending, declined = (_make(partner, n) for n in ("appr.oved", "pend.ing", "decl.ined"))
    services.account_approve(account=approved, approved_by=user)
    services.account_decline(account=declined, declined_by=user, reason="no")
    merchants = client.get("/admin/accounts/merchantaccount/").content.decode()
    assert "appr.oved" in merchants and "pend.ing" not in merchants and "decl.ined" not in merchants
    branches = client.get("/admin/accounts/branch/").content.decode()
    assert "Rosa Lim (appr.oved)" in branches
    # A branch whose account is not approved (e.g. made by hand in the shell) stays hidden.
    stray = Branch.objects.create(merchant=approved.merchant, name="Stray Branch")
    Account.objects.filter(pk=pending.pk).update(branch=stray)
    assert "Stray Branch" not in client.get("/admin/accounts/branch/").content.decode()


def test_admin_creates_api_client_and_shows_secret_once(staff, api, secret_registry):
    client, _ = staff
    response = client.post("/admin/accounts/apiclient/add/", {"name": "Acme Payments"})
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    match = re.search(r"clientId=(\S+) clientSecret=(\S+)", " ".join(texts))
    assert match
    client_id, secret = match.groups()
    secret_registry.add(secret)
    stored = ApiClient.objects.get(name="Acme Payments")
    assert stored.client_id == client_id and secret not in stored.secret_hash
    token = api.post("/v2/auth/token", {"clientId": client_id, "clientSecret": secret}, format="json")
    assert token.status_code == 200
    secret_registry.add(token.json()["accessToken"])
    shown = client.get("/admin/accounts/apiclient/").content.decode()
    assert secret in shown  # the page after the redirect shows it, once
    detail = client.get(f"/admin/accounts/apiclient/{stored.pk}/change/").content.decode()
    assert secret not in detail and client_id in detail


def test_admin_disables_api_client(staff, partner, client_token, api, body):
    client, _ = staff
    api_client, _secret = partner
    response = _action(client, "/admin/accounts/apiclient/", "disable_clients", [api_client.pk])
    assert response.status_code == 302
    api_client.refresh_from_db()
    assert not api_client.is_enabled and api_client.disabled_at
    response = api.post("/v2/account", body(), format="json", HTTP_AUTHORIZATION=f"Bearer {client_token}")
    assert response.status_code == 401


def test_non_staff_cannot_reach_the_queue(client, partner):
    user = get_user_model().objects.create_user("plain", "p@example.com", "x-unused-x")
    client.force_login(user)
    response = client.get(PENDING_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
