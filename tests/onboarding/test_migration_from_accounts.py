"""A database migrated by the code before the split (onboarding models in the `accounts` app)
migrates forward cleanly: its rows, its staff permissions and its history carry over."""

import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from onboarding.models import OnboardingApplication
from onboarding.selectors import payload_seal

from . import factories

# The last migration of the code before the split, and no onboarding app yet.
OLD_STATE = [("accounts", "0003_onboarding"), ("onboarding", None)]


def _migrate(targets: list) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def _old_rows(apps) -> tuple[uuid.UUID, int]:
    """Rows written through the pre-split models: an account, its application and one document."""
    Merchant = apps.get_model("accounts", "Merchant")
    Account = apps.get_model("accounts", "Account")
    Application = apps.get_model("accounts", "OnboardingApplication")
    Document = apps.get_model("accounts", "OnboardingDocument")
    assert Application._meta.db_table == "accounts_onboardingapplication"
    merchant = Merchant.objects.create(name="Pre-split Parent")
    account = Account.objects.create(
        username="presplit.holder",
        email="holder@example.com",
        phone="+639171234567",
        first_name="Ana",
        last_name="Cruz",
        password_hash="x",
        password_changed_at="2026-01-01T00:00:00Z",
        pin_ciphertext=b"\x00",
        merchant=merchant,
    )
    reference = uuid.uuid4()
    application = Application.objects.create(
        reference_number=reference,
        account=account,
        merchant_name="Sari Sari Pre-split",
        business_type="CORPORATION",
        payload=payload_seal(reference_number=reference, body=factories.application()),
    )
    Document.objects.create(
        id=uuid.uuid4(),
        application=application,
        field="secCert",
        original_name="sec.pdf",
        storage_name=f"onboarding/{reference}/a.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    return reference, account.pk


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_before_the_split_moves_forward_with_its_rows_and_permissions(client):
    executor = _migrate(OLD_STATE)
    assert not MigrationRecorder(connection).migration_qs.filter(app="onboarding").exists()
    old_apps = executor.loader.project_state(OLD_STATE[:1]).apps
    reference, account_id = _old_rows(old_apps)
    # Staff were granted the review permission on the old content type (accounts.onboardingapplication).
    old_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="onboardingapplication")
    assert not ContentType.objects.filter(app_label="onboarding").exists()
    permission, _ = Permission.objects.get_or_create(
        content_type=old_type,
        codename="view_onboardingapplication",
        defaults={"name": "Can view onboarding application"},
    )
    reviewer = User.objects.create_user("presplit.reviewer", password="pw-presplit-1", is_staff=True)
    reviewer.user_permissions.add(permission)

    _migrate([])  # forward to the latest state of every app
    ContentType.objects.clear_cache()

    applied = set(MigrationRecorder(connection).migration_qs.values_list("app", "name"))
    assert {("accounts", "0003_onboarding"), ("accounts", "0004_onboarding_moved_out")} <= applied
    assert ("onboarding", "0001_initial") in applied
    moved = OnboardingApplication.objects.get(reference_number=reference)
    assert moved.account_id == account_id and moved.merchant_name == "Sari Sari Pre-split"
    assert [d.field for d in moved.documents.all()] == ["secCert"]
    # The same content type row now names the onboarding app, so the grant still holds.
    assert ContentType.objects.get(pk=old_type.pk).app_label == "onboarding"
    assert User.objects.get(pk=reviewer.pk).has_perm("onboarding.view_onboardingapplication")
    client.force_login(reviewer)
    page = client.get("/admin/onboarding/onboardingapplication/")
    assert page.status_code == 200
    assert "Sari Sari Pre-split" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_split_migrates_backwards_to_the_old_state_and_forward_again():
    _migrate(OLD_STATE)
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="onboarding").exists()
    _migrate([])
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="accounts", model="onboardingapplication").exists()
