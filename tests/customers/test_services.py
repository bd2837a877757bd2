"""Services of the customers app, called directly: origins, keys, customers, challenges, audit."""

import pytest
from django.test import override_settings

from core.errors import Conflict, DomainError, NotFound
from core.models import AuditEvent
from customers.models import ApiKey, Challenge, Customer, Organization, RedirectOrigin
from customers.services import (
    InvalidOrigin,
    api_key_create,
    api_key_revoke,
    customer_create,
    customer_initialize,
    customers_recount,
    organization_create,
    redirect_origin_normalize,
    redirect_url_validate,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com:443/", "https://app.example.com"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_origin_normalize(raw, expected):
    assert redirect_origin_normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "app.example.com",
        "https://a.com/path",
        "https://a.com?q=1",
        "ftp://a.com",
        "https://u:p@a.com",
        "https://",
    ],
)
def test_origin_normalize_refuses_non_origins(raw):
    with pytest.raises(InvalidOrigin):
        redirect_origin_normalize(raw)


def test_organization_create_stores_normalised_origins_and_audits():
    org = organization_create(name="N", redirect_origins=["https://A.com:443", "https://a.com"])
    assert list(RedirectOrigin.objects.filter(organization=org).values_list("origin", flat=True)) == [
        "https://a.com"
    ]
    assert AuditEvent.objects.filter(action="organization.create", target_id=str(org.pk)).exists()


def test_api_keys_are_unique_random_and_audited_without_the_secret(organization):
    made = [api_key_create(organization=organization) for _ in range(20)]
    assert len({raw for _, raw in made}) == 20
    assert len({key.prefix for key, _ in made}) == 20
    events = AuditEvent.objects.filter(action="api_key.create")
    assert events.count() == 20
    assert not any(raw in str(e.data) for e, (_, raw) in zip(events, made, strict=True))


def test_api_key_kind_must_be_known(organization):
    with pytest.raises(DomainError):
        api_key_create(organization=organization, kind="ADMIN")


def test_revoke_is_idempotent_and_audited_once(organization):
    key, _ = api_key_create(organization=organization)
    api_key_revoke(api_key=key)
    first = ApiKey.objects.get(pk=key.pk).revoked_at
    api_key_revoke(api_key=key)
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first
    assert AuditEvent.objects.filter(action="api_key.revoke", target_id=str(key.pk)).count() == 1


def test_customer_create_bumps_counter_and_refuses_duplicates(organization):
    customer_create(organization=organization, ref_id="a")
    with pytest.raises(Conflict):
        customer_create(organization=organization, ref_id="a")
    assert Organization.objects.get(pk=organization.pk).customer_count == 1


def test_recount_repairs_a_counter_after_bulk_loads(organization):
    Customer.objects.bulk_create([Customer(organization=organization, ref_id=f"b{i}") for i in range(5)])
    assert Organization.objects.get(pk=organization.pk).customer_count == 0
    assert customers_recount(organization=organization) == 5
    assert Organization.objects.get(pk=organization.pk).customer_count == 5


def test_redirect_url_validate(organization):
    assert redirect_url_validate(organization=organization, url="https://app.example.com/a?b=c#d")
    with pytest.raises(DomainError) as err:
        redirect_url_validate(organization=organization, url="https://nope.example.com/")
    assert "redirectUrl" in err.value.errors
    with override_settings(DEBUG=True):
        assert redirect_url_validate(organization=organization, url="http://localhost:8000/x")
        with pytest.raises(DomainError):  # http is for local hosts only, even when allowlisted
            RedirectOrigin.objects.create(organization=organization, origin="http://app.example.com")
            redirect_url_validate(organization=organization, url="http://app.example.com/x")


def test_initialize_of_another_organizations_customer_is_not_found(organization, other_organization):
    customer = customer_create(organization=other_organization, ref_id="x")
    with pytest.raises(NotFound):
        customer_initialize(
            organization=organization, customer_id=customer.pk, redirect_url="https://app.example.com/"
        )
    assert not Challenge.objects.exists()


def test_initialize_audits_and_counts_superseded(organization, customer):
    customer_initialize(
        organization=organization, customer_id=customer.pk, redirect_url="https://app.example.com/"
    )
    second = customer_initialize(
        organization=organization, customer_id=customer.pk, redirect_url="https://app.example.com/"
    )
    event = AuditEvent.objects.get(action="challenge.create.initialize", target_id=str(second.pk))
    assert event.data["superseded"] == 1


def _opened_challenge(organization, **customer_fields):
    from customers.services import challenge_bind

    customer = customer_create(organization=organization, ref_id="owner")
    Customer.objects.filter(pk=customer.pk).update(**customer_fields)
    challenge = customer_initialize(
        organization=organization, customer_id=customer.id, redirect_url="https://app.example.com/x"
    )
    challenge = Challenge.objects.select_related("customer").get(pk=challenge.pk)
    return challenge_bind(challenge=challenge, session_binding="0" * 64, step="pin_enter")


def test_pin_attempts_count_on_the_customer_and_the_fifth_locks_with_an_audit_row(organization):
    from customers.lockout import Attempt
    from customers.services import customer_pin_attempt

    challenge = _opened_challenge(organization, has_pin=True)
    customer = challenge.customer
    outcomes = [
        customer_pin_attempt(customer=customer, challenge=challenge, matches=lambda: False) for _ in range(5)
    ]
    assert outcomes == [Attempt.WRONG] * 4 + [Attempt.LOCKED_NOW]
    customer.refresh_from_db()
    challenge.refresh_from_db()
    assert customer.pin_status == "LOCKED" and customer.pin_failed_attempts == 0
    assert challenge.status == "failed" and challenge.result == {"reason": "PIN_LOCKED"}
    lock = AuditEvent.objects.get(action="gateway.pin_locked")
    assert lock.target_id == str(customer.id) and lock.data["challenge"] == str(challenge.id)
    # Locked: even a right proof is not looked at.
    assert customer_pin_attempt(customer=customer, challenge=challenge, matches=lambda: True) is (
        Attempt.ALREADY_LOCKED
    )


def test_pin_and_recovery_set_write_the_customer_and_their_audit_rows(organization):
    from customers.services import customer_pin_set, customer_recovery_set

    challenge = _opened_challenge(organization)
    customer = challenge.customer
    assert customer_pin_set(customer=customer, challenge=challenge, scheme_version=1) is False
    customer_recovery_set(customer=customer, challenge=challenge, method="EMAIL")
    customer_recovery_set(customer=customer, challenge=challenge, method="EMAIL")
    customer.refresh_from_db()
    assert customer.has_pin and customer.has_recovery and customer.recovery_methods == ["EMAIL"]
    assert customer_pin_set(customer=customer, challenge=challenge, scheme_version=1) is True
    actions = list(AuditEvent.objects.order_by("created_at").values_list("action", flat=True))
    assert actions[-4:] == [
        "gateway.pin_set",
        "gateway.recovery_set",
        "gateway.recovery_set",
        "gateway.pin_reset",
    ]
