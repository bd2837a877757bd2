"""Refresh tokens (issue 12, item 5): only token ids and expiries are stored; reusing a rotated
refresh token revokes every token of that sign-in (the family), as OAuth 2.0 Security BCP says."""

import pytest
from django.db import connection

from core.models import AuditEvent
from merchants.models import RefreshTokenFamily, UsedRefreshToken
from merchants.tokens import AccountAccessToken, AccountRefreshToken

from .factories import VALID_PASSWORD

pytestmark = pytest.mark.django_db
UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}
REFRESH = "/v2/account/token/refresh"


def _sign_in(api, account, secret_registry) -> dict:
    pair = api.post(
        "/v2/account/token", {"username": account.username, "password": VALID_PASSWORD}, format="json"
    ).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    return pair


def _refresh(api, token, secret_registry):
    response = api.post(REFRESH, {"refreshToken": token}, format="json")
    if response.status_code == 200:
        secret_registry.add(response.json()["accessToken"], response.json()["refreshToken"])
    return response


def _me(api, access):
    return api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {access}").status_code


def test_replaying_a_rotated_refresh_token_revokes_the_whole_sign_in(api, account, secret_registry):
    stolen = _sign_in(api, account, secret_registry)
    # The owner rotates twice; the thief holds the first refresh token.
    second = _refresh(api, stolen["refreshToken"], secret_registry).json()
    third = _refresh(api, second["refreshToken"], secret_registry).json()
    other_sign_in = _sign_in(api, account, secret_registry)
    assert _me(api, third["accessToken"]) == 200

    replay = api.post(REFRESH, {"refreshToken": stolen["refreshToken"]}, format="json")
    assert replay.status_code == 401 and replay.json() == UNAUTHORIZED
    # Every token of that sign-in is dead: the owner's current access and refresh tokens too.
    assert _me(api, third["accessToken"]) == 401
    assert api.post(REFRESH, {"refreshToken": third["refreshToken"]}, format="json").status_code == 401
    # Another sign-in of the same account is not touched.
    assert _me(api, other_sign_in["accessToken"]) == 200
    assert _refresh(api, other_sign_in["refreshToken"], secret_registry).status_code == 200

    family = RefreshTokenFamily.objects.get(pk=AccountRefreshToken(stolen["refreshToken"])["fam"])
    assert family.revoked_at is not None and family.revoked_reason == "refresh token reused"
    row = AuditEvent.objects.get(action="merchant_account.tokens_revoked")
    assert row.target_id == str(account.pk) and row.data["family"] == str(family.pk)


def test_only_token_ids_and_expiries_are_stored(api, account, secret_registry):
    pair = _sign_in(api, account, secret_registry)
    rotated = _refresh(api, pair["refreshToken"], secret_registry).json()
    used = UsedRefreshToken.objects.get()
    assert used.jti == AccountRefreshToken(pair["refreshToken"])["jti"]
    assert {f.name for f in UsedRefreshToken._meta.get_fields()} == {"jti", "family", "expires_at"}
    # No table holds a token: look for each one in a dump of every row of the database.
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        dump = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our table names)
            dump.extend(str(row) for row in cursor.fetchall())
    text = "\n".join(dump)
    for token in (pair["refreshToken"], pair["accessToken"], rotated["refreshToken"]):
        assert token not in text and token.split(".")[2] not in text
    assert not any(t.startswith("token_blacklist_") for t in tables)


def test_concurrent_use_of_one_refresh_token_counts_as_reuse(api, account, secret_registry):
    pair = _sign_in(api, account, secret_registry)
    first = _refresh(api, pair["refreshToken"], secret_registry)
    second = api.post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json")
    assert (first.status_code, second.status_code) == (200, 401)
    assert _me(api, first.json()["accessToken"]) == 401


def test_tokens_without_a_sign_in_family_are_refused(api, account):
    """Tokens minted before families existed (no `fam` claim) no longer work: sign in again."""
    legacy = AccountRefreshToken()
    legacy["sub"] = str(account.pk)
    legacy["pwv"] = account.password_version
    response = api.post(REFRESH, {"refreshToken": str(legacy)}, format="json")
    assert response.status_code == 401
    access = AccountAccessToken()
    access["sub"] = str(account.pk)
    access["pwv"] = account.password_version
    assert _me(api, str(access)) == 401
    assert not RefreshTokenFamily.objects.exists()
