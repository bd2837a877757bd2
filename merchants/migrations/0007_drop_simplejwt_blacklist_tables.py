"""Drop the tables of simplejwt's token_blacklist app, no longer installed.

Its OutstandingToken table kept every refresh token whole; rotation now records only token
ids and expiries per sign-in (0006_refresh_token_families). Refresh tokens issued before carry
no sign-in family and are refused, so nothing in these tables is needed any more. Their
migration records go too, so the app could be installed again from scratch.
"""

from django.db import migrations

DROP = [
    "DROP TABLE IF EXISTS token_blacklist_blacklistedtoken",
    "DROP TABLE IF EXISTS token_blacklist_outstandingtoken",
    "DELETE FROM django_migrations WHERE app = 'token_blacklist'",
]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_refresh_token_families")]

    operations = [migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in DROP]
