"""The onboarding models now belong to the `onboarding` app: drop them from this app's state only.

Their tables (accounts_onboardingapplication, accounts_onboardingdocument) stay where they are
and are owned by onboarding 0001_initial from here on.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_onboarding"),
        ("onboarding", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="OnboardingDocument"),
                migrations.DeleteModel(name="OnboardingApplication"),
            ],
            database_operations=[],
        ),
    ]
