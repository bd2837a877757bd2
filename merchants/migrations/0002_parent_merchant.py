"""Creates the parent merchant new accounts sit under (name from PARENT_MERCHANT_NAME)."""
from django.db import migrations


def create_parent(apps, schema_editor):
    from core.conf import app_settings

    Merchant = apps.get_model("accounts", "Merchant")
    Merchant.objects.get_or_create(name=app_settings.PARENT_MERCHANT_NAME)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_parent, migrations.RunPython.noop)]
