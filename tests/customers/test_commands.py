"""Operator commands: create_organization, create_api_key, recount_customers and seed_demo."""

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from customers.models import ApiKey, Organization, RedirectOrigin

from .conftest import Api

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_organization_prints_its_id():
    out, _ = run(
        "create_organization",
        "Acme",
        "--redirect-origin",
        "https://a.example.com",
        "--redirect-origin",
        "http://localhost:3000",
    )
    org = Organization.objects.get(pk=uuid.UUID(out.strip()))
    assert org.name == "Acme"
    assert set(RedirectOrigin.objects.filter(organization=org).values_list("origin", flat=True)) == {
        "https://a.example.com",
        "http://localhost:3000",
    }


def test_create_organization_refuses_a_bad_origin():
    with pytest.raises(CommandError):
        run("create_organization", "Acme", "--redirect-origin", "https://a.example.com/path")
    assert not Organization.objects.exists()


@pytest.mark.parametrize("flags, kind, status", [([], "FULL", 201), (["--restricted"], "RESTRICTED", 403)])
def test_create_api_key_prints_only_the_raw_key(organization, flags, kind, status):
    out, err = run("create_api_key", str(organization.pk), *flags)
    lines = out.splitlines()
    assert len(lines) == 1
    raw = lines[0]
    assert raw not in err
    assert ApiKey.objects.get(prefix=raw[4:16]).kind == kind
    api = Api(raw)
    assert api.get("/v2/customers").status_code == 200
    assert api.post("/v2/customers", {"refId": "cli"}).status_code == status


@pytest.mark.parametrize("org_id", ["nope", str(uuid.uuid4())])
def test_create_api_key_for_unknown_org_fails(org_id):
    with pytest.raises(CommandError):
        run("create_api_key", org_id)
    assert not ApiKey.objects.exists()


def _keys(out):
    lines = dict(line.split(":", 1) for line in out.splitlines() if " key " in line and ":" in line)
    return {k.split()[0]: v.strip() for k, v in lines.items()}


def test_seed_demo_is_repeatable_and_revokes_old_demo_keys():
    first, _ = run("seed_demo")
    second, _ = run("seed_demo")
    assert Organization.objects.filter(name="Demo Organization").count() == 1
    org = Organization.objects.get(name="Demo Organization")
    assert str(org.pk) in second
    assert set(org.redirect_origins.values_list("origin", flat=True)) == {
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    }
    old, new = _keys(first), _keys(second)
    assert Api(old["FULL"]).get("/v2/customers").status_code == 401
    assert Api(new["FULL"]).post("/v2/customers", {"refId": "demo"}).status_code == 201
    assert Api(new["RESTRICTED"]).get("/v2/customers").status_code == 200
    assert Api(new["RESTRICTED"]).post("/v2/customers", {"refId": "demo2"}).status_code == 403
    assert org.api_keys.filter(revoked_at__isnull=True).count() == 2


def test_recount_customers_command(organization):
    out, _ = run("recount_customers", str(organization.pk), "not-a-uuid")
    assert out.strip() == f"{organization.pk} 0"


def _merchant_creds(out):
    lines = [
        line.split(":", 1)[1].strip()
        for line in out.splitlines()
        if line.startswith(("Merchant clientId", "Merchant secret"))
    ]
    return {"clientId": lines[0], "clientSecret": lines[1]}


def test_seed_demo_prints_a_working_merchant_client_and_disables_the_old_one(client, secret_registry):
    first, _ = run("seed_demo")
    second, _ = run("seed_demo")
    old, new = _merchant_creds(first), _merchant_creds(second)
    secret_registry.add(old["clientSecret"], new["clientSecret"])
    assert client.post("/v2/auth/token", new, content_type="application/json").status_code == 200
    refused = client.post("/v2/auth/token", old, content_type="application/json")
    assert refused.status_code == 401


def test_purge_idempotency_records_forgets_only_old_keys(api):
    from datetime import timedelta

    from django.utils import timezone

    from customers.models import IdempotencyRecord

    old_key, new_key = str(uuid.uuid4()), str(uuid.uuid4())
    assert api.post("/v2/customers", {"refId": "a", "idempotencyKey": old_key}).status_code == 201
    assert api.post("/v2/customers", {"refId": "b", "idempotencyKey": new_key}).status_code == 201
    IdempotencyRecord.objects.filter(key=old_key).update(created_at=timezone.now() - timedelta(hours=25))

    out, _ = run("purge_idempotency_records")
    assert out.strip() == "1"
    # The forgotten key runs as a new request; the recent one still guards its request.
    assert api.post("/v2/customers", {"refId": "c", "idempotencyKey": old_key}).status_code == 201
    assert api.post("/v2/customers", {"refId": "d", "idempotencyKey": new_key}).status_code == 409
    with pytest.raises(CommandError):
        run("purge_idempotency_records", "--hours", "0")
