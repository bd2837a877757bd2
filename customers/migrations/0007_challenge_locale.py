from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_api_key_revoke_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="challenge",
            name="locale",
            field=models.CharField(blank=True, max_length=8, null=True),
        ),
    ]
