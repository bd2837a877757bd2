from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_customer_lock_details_and_reset_pin"),
    ]

    operations = [
        migrations.AddField(
            model_name="challenge",
            name="locale",
            field=models.CharField(blank=True, max_length=8, null=True),
        ),
    ]
