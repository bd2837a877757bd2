"""The onboarding models move here from the `accounts` app (now `merchants`), tables untouched.

On a fresh database the tables were created by accounts 0003_onboarding; on an existing one
they are already there with their rows. Either way this migration only adds the models to
this app's state (the tables keep their names through `db_table`); accounts
0004_onboarding_moved_out then removes them from the accounts state. The content types of the
two models are relabelled from accounts to onboarding, so staff permissions granted on them
and the admin log keep pointing at the same models.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("onboardingapplication", "onboardingdocument")


def relabel_content_types(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor) -> None:
    relabel_content_types(apps, schema_editor, source="accounts", target="onboarding")


def backwards(apps, schema_editor) -> None:
    relabel_content_types(apps, schema_editor, source="onboarding", target="accounts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_onboarding"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OnboardingApplication",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reference_number", models.UUIDField(editable=False, unique=True)),
                        ("merchant_name", models.CharField(max_length=255)),
                        ("business_type", models.CharField(max_length=32)),
                        ("payload", models.BinaryField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("NEW", "New"),
                                    ("PENDING", "Pending"),
                                    ("APPROVED", "Approved"),
                                    ("DECLINED", "Declined"),
                                ],
                                db_index=True,
                                default="NEW",
                                max_length=16,
                            ),
                        ),
                        ("declined_reason", models.TextField(blank=True, default="")),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="onboarding_applications",
                                to="accounts.account",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_onboardingapplication",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("status__in", ["NEW", "PENDING", "DECLINED"])),
                                fields=("account",),
                                name="accounts_onboarding_one_open_per_account",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OnboardingDocument",
                    fields=[
                        ("id", models.UUIDField(editable=False, primary_key=True, serialize=False)),
                        (
                            "field",
                            models.CharField(help_text="the form field, e.g. birCert2303", max_length=40),
                        ),
                        (
                            "original_name",
                            models.CharField(help_text="sanitized; metadata only", max_length=255),
                        ),
                        ("storage_name", models.CharField(editable=False, max_length=255, unique=True)),
                        ("content_type", models.CharField(max_length=32)),
                        ("size", models.PositiveBigIntegerField()),
                        ("sha256", models.CharField(max_length=64)),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="documents",
                                to="onboarding.onboardingapplication",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_onboardingdocument",
                        "ordering": ["field"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("application", "field"), name="accounts_onboarding_doc_one_per_field"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
