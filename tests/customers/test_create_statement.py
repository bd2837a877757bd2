"""customer_create: insert, counter and audit row in one statement on PostgreSQL, inside a
transaction that further writes of the same change can join."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.errors import Conflict
from core.models import AuditEvent
from customers.models import Customer, Organization
from customers.selectors import customer_read
from customers.serializers import customer_data
from customers.services import customer_create

pytestmark = pytest.mark.django_db


def _count(organization):
    return Organization.objects.get(pk=organization.pk).customer_count


def test_create_writes_the_row_the_counter_and_the_audit_row(organization):
    customer = customer_create(organization=organization, ref_id="one", name="Ana", actor="apikey:x")
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.ref_id, stored.name, stored.organization_id) == ("one", "Ana", organization.pk)
    assert (stored.has_pin, stored.has_recovery, stored.recovery_methods, stored.pin_failed_attempts) == (
        False,
        False,
        [],
        0,
    )
    assert customer_data(customer) == customer_data(stored)
    assert _count(organization) == 1
    audit = AuditEvent.objects.get(action="customer.create", target_id=str(customer.pk))
    assert (audit.actor, audit.target_type, audit.data) == (
        "apikey:x",
        "Customer",
        {"organization": str(organization.pk)},
    )


@pytest.mark.postgres
def test_create_is_one_statement_on_postgresql(organization):
    with CaptureQueriesContext(connection) as ctx:
        customer_create(organization=organization, ref_id="single")
    ours = [
        q["sql"]
        for q in ctx.captured_queries
        if any(t in q["sql"] for t in ("customers_customer", "customers_organization", "core_auditevent"))
    ]
    # The customer, the counter and the audit row in one statement (the webhook event's own
    # lookup/insert, in the same transaction, is the webhooks app's).
    assert len(ours) == 1 and "WITH inserted AS" in ours[0]


def test_duplicate_changes_nothing(organization):
    customer_create(organization=organization, ref_id="dup")
    audits = AuditEvent.objects.count()
    with pytest.raises(Conflict):
        customer_create(organization=organization, ref_id="dup")
    assert _count(organization) == 1
    assert Customer.objects.filter(organization=organization).count() == 1
    assert AuditEvent.objects.count() == audits


def test_a_further_write_in_the_same_transaction_commits_and_rolls_back_with_it(organization):
    """As an event row written beside the customer will: all of it or none of it."""

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        customer = customer_create(organization=organization, ref_id="rolled-back")
        AuditEvent.objects.create(action="event.emit", target_type="Customer", target_id=str(customer.pk))
        raise Boom
    assert not Customer.objects.filter(ref_id="rolled-back").exists()
    assert not AuditEvent.objects.filter(target_id=str(customer.pk)).exists()
    assert _count(organization) == 0

    with transaction.atomic():
        customer = customer_create(organization=organization, ref_id="kept")
        AuditEvent.objects.create(action="event.emit", target_type="Customer", target_id=str(customer.pk))
    assert AuditEvent.objects.filter(target_id=str(customer.pk)).count() == 2
    assert _count(organization) == 1


def test_a_duplicate_inside_a_callers_transaction_leaves_it_usable(organization):
    customer_create(organization=organization, ref_id="taken")
    with transaction.atomic():
        with pytest.raises(Conflict):
            customer_create(organization=organization, ref_id="taken")
        customer_create(organization=organization, ref_id="free")
    assert _count(organization) == 2


def test_read_fetches_the_body_columns_only_and_needs_no_second_query(organization, other_organization):
    customer = customer_create(organization=organization, ref_id="r1", name="Read Me")
    with CaptureQueriesContext(connection) as ctx:
        body = customer_data(customer_read(organization=organization, customer_id=customer.pk))
    assert len(ctx.captured_queries) == 1
    selected = ctx.captured_queries[0]["sql"].split("FROM")[0]
    assert "ref_id" in selected and "organization_id" not in selected  # not in the body
    assert body == customer_data(Customer.objects.get(pk=customer.pk))
    from core.errors import NotFound

    for wrong in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(NotFound):
            customer_read(organization=organization, customer_id=wrong)
    with pytest.raises(NotFound):
        customer_read(organization=other_organization, customer_id=customer.pk)


# --- outside any transaction (as a request runs it) -------------------------------------


def _sent_during(call):
    """Every statement the call sends, BEGIN and COMMIT included (psycopg sends them itself
    around Django's atomic blocks, so they are counted from the connection's autocommit)."""
    transactions = []
    original = connection.set_autocommit

    def watch(autocommit, *args, **kwargs):
        if not autocommit:
            transactions.append("BEGIN")
        return original(autocommit, *args, **kwargs)

    connection.set_autocommit = watch
    try:
        with CaptureQueriesContext(connection) as ctx:
            result = call()
    finally:
        del connection.set_autocommit
    return result, transactions, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_a_subscriber_creation_is_one_statement_and_its_own_transaction(organization):
    customer, transactions, sent = _sent_during(
        lambda: customer_create(organization=organization, ref_id="solo")
    )
    assert transactions == []  # no BEGIN/COMMIT pair around it
    assert len([s for s in sent if "customers_customer" in s]) == 1
    assert Customer.objects.filter(pk=customer.pk).exists() and _count(organization) == 1
    assert AuditEvent.objects.filter(action="customer.create", target_id=str(customer.pk)).exists()

    audits = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        customer_create(organization=organization, ref_id="solo")
    assert refused.value.errors == {"refId": ["Already exists."]}
    assert (_count(organization), AuditEvent.objects.count()) == (1, audits)
    assert Customer.objects.filter(organization=organization).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_a_subscriber_the_event_and_its_delivery_commit_with_the_customer(organization, settings):
    from webhooks.models import Delivery, Event
    from webhooks.services import endpoint_create

    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": True}
    endpoint, _secret = endpoint_create(
        organization=organization, url="http://127.0.0.1:9/in", events=["customer.created"]
    )
    customer, transactions, _sent = _sent_during(
        lambda: customer_create(organization=organization, ref_id="watched")
    )
    assert transactions == ["BEGIN"]
    event = Event.objects.get(organization=organization, name="customer.created")
    assert event.data["id"] == str(customer.pk)
    assert Delivery.objects.filter(event=event, endpoint=endpoint).count() == 1
