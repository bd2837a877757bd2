"""The security questions' failure counter moves to the customer (beside the PIN's and the
email's), so the customer's body shows every lock without a join: copy, then drop."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations


def copy_counters(apps, schema_editor):
    QuestionRecovery = apps.get_model("gateway", "QuestionRecovery")
    Customer = apps.get_model("customers", "Customer")
    lock_seconds = int(getattr(settings, "ONBOARDING", {}).get("PIN_LOCK_SECONDS", 1800))
    for record in QuestionRecovery.objects.exclude(failed_attempts=0, locked_until=None).iterator():
        Customer.objects.filter(pk=record.customer_id).update(
            questions_failed_attempts=record.failed_attempts,
            questions_locked_until=record.locked_until,
            # The lock began PIN_LOCK_SECONDS before it ends (the old row kept no start).
            questions_locked_at=(
                record.locked_until - timedelta(seconds=lock_seconds) if record.locked_until else None
            ),
        )


def copy_back(apps, schema_editor):
    QuestionRecovery = apps.get_model("gateway", "QuestionRecovery")
    Customer = apps.get_model("customers", "Customer")
    for customer in Customer.objects.exclude(questions_failed_attempts=0, questions_locked_until=None):
        QuestionRecovery.objects.filter(customer_id=customer.pk).update(
            failed_attempts=customer.questions_failed_attempts, locked_until=customer.questions_locked_until
        )


class Migration(migrations.Migration):
    dependencies = [
        ("gateway", "0002_oprf_scheme_v2"),
        ("customers", "0007_customer_lock_details_and_reset_pin"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_back),
        migrations.RemoveField(model_name="questionrecovery", name="failed_attempts"),
        migrations.RemoveField(model_name="questionrecovery", name="locked_until"),
    ]
