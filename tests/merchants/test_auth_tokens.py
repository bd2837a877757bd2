"""Client tokens (/v2/auth/token), account tokens, refresh rotation and token refusal."""

import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from merchants import services
from merchants.tokens import AccountAccessToken, ClientAccessToken

from .factories import VALID_PASSWORD

UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}
NEW_PASSWORD = "N3w#Password-2026"

pytestmark = pytest.mark.django_db


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _create(api, token, body):
    return api.post("/v2/account", body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _login(api, username, password=VALID_PASSWORD):
    return api.post("/v2/account/token", {"username": username, "password": password}, format="json")


# --- client tokens -------------------------------------------------------------------


def test_client_token_is_short_lived_hs256_with_issuer_audience_and_own_type(client_token):
    header = jwt.get_unverified_header(client_token)
    claims = _claims(client_token)
    assert header["alg"] == "HS256"
    assert claims["iss"] == settings.SIMPLE_JWT["ISSUER"]
    assert claims["aud"] == settings.SIMPLE_JWT["AUDIENCE"]
    assert claims["token_type"] == "merchant_client"
    assert 0 < claims["exp"] - claims["iat"] <= 15 * 60
    # Signed with the JWT key, not SECRET_KEY.
    jwt.decode(
        client_token, settings.JWT_SIGNING_KEY, algorithms=["HS256"], audience=settings.SIMPLE_JWT["AUDIENCE"]
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            client_token, settings.SECRET_KEY, algorithms=["HS256"], audience=settings.SIMPLE_JWT["AUDIENCE"]
        )


def test_token_response_shape(api, partner):
    client, secret = partner
    response = api.post(
        "/v2/auth/token", {"clientId": client.client_id, "clientSecret": secret}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "tokenType", "expiresIn"}
    assert body["tokenType"] == "Bearer" and body["expiresIn"] == 900


@pytest.mark.parametrize("which", ["secret", "client", "both"])
def test_wrong_credentials_are_401(api, partner, which):
    client, secret = partner
    data = {"clientId": client.client_id, "clientSecret": secret}
    if which in ("secret", "both"):
        data["clientSecret"] = secret[:-2] + "xx"
    if which in ("client", "both"):
        data["clientId"] = "0" * 32
    response = api.post("/v2/auth/token", data, format="json")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_token_request_validation(api):
    response = api.post("/v2/auth/token", {"clientId": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "clientId must be a string",
        "clientSecret should not be empty",
        "clientSecret must be a string",
    ]


@pytest.mark.parametrize(
    "path, field, other",
    [
        ("/v2/auth/token", "clientId", {"clientSecret": "s"}),
        ("/v2/auth/token", "clientSecret", {"clientId": "c"}),
        ("/v2/account/token", "username", {"password": "p"}),
        ("/v2/account/token", "password", {"username": "u"}),
    ],
)
def test_a_lone_surrogate_is_a_400_not_a_500(api, partner, path, field, other):
    # The merchant fuzz run's 500s on /v2/auth/token: JSON may escape an unpaired surrogate
    # ("\ud800"), which no UTF-8 text holds, so hashing the secret (or keying the login
    # counters, or querying) failed. Now the validation refuses it like any bad string.
    raw = json.dumps({field: "a\ud800b", **other})  # ensure_ascii writes the escape
    response = api.post(path, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {
        "statusCode": 400,
        "message": [f"{field} must not contain unpaired surrogate characters"],
        "error": "Bad Request",
    }


def test_disabled_client_gets_no_token_and_its_tokens_stop_at_once(api, partner, client_token, body):
    client, secret = partner
    assert _create(api, client_token, body()).status_code == 200
    services.api_client_disable(client=client)
    response = _create(api, client_token, body())
    assert response.status_code == 401 and response.json() == UNAUTHORIZED
    response = api.post(
        "/v2/auth/token", {"clientId": client.client_id, "clientSecret": secret}, format="json"
    )
    assert response.status_code == 401


def _forged(client_id: str, **overrides) -> str:
    now = int(timezone.now().timestamp())
    payload = {
        "token_type": "merchant_client",
        "exp": now + 600,
        "iat": now,
        "jti": "x" * 32,
        "sub": client_id,
        "cid": client_id,
        "iss": settings.SIMPLE_JWT["ISSUER"],
        "aud": settings.SIMPLE_JWT["AUDIENCE"],
    }
    key = overrides.pop("key", settings.JWT_SIGNING_KEY)
    algorithm = overrides.pop("algorithm", "HS256")
    payload.update(overrides)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm=algorithm)


def _alg_none(client_id: str) -> str:
    token = _forged(client_id)
    _header, payload, _sig = token.split(".")
    import base64
    import json

    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    return f"{none_header.decode()}.{payload}."


@pytest.mark.parametrize(
    "kind",
    [
        "alg_none",
        "tampered",
        "expired",
        "wrong_audience",
        "no_audience",
        "wrong_issuer",
        "no_issuer",
        # Our key, under another algorithm: PyJWT warns that it is short for HS512 (that is not the point).
        pytest.param(
            "hs512", marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
        ),
        "secret_key",
        "wrong_type",
        "simplejwt_default_access",
        "garbage",
        "empty_bearer",
        "basic",
    ],
)
def test_bad_tokens_are_401(api, partner, client_token, body, kind, secret_registry):
    client, _ = partner
    cid = client.client_id
    token = {
        "alg_none": lambda: _alg_none(cid),
        "tampered": lambda: client_token[:-4] + ("AAAA" if not client_token.endswith("AAAA") else "BBBB"),
        "expired": lambda: _forged(cid, exp=int(timezone.now().timestamp()) - 60),
        "wrong_audience": lambda: _forged(cid, aud="someone-else"),
        "no_audience": lambda: _forged(cid, aud=None),
        "wrong_issuer": lambda: _forged(cid, iss="evil"),
        "no_issuer": lambda: _forged(cid, iss=None),
        "hs512": lambda: _forged(cid, algorithm="HS512"),
        "secret_key": lambda: _forged(cid, key=settings.SECRET_KEY),
        "wrong_type": lambda: _forged(cid, token_type="merchant_account_access"),
        "simplejwt_default_access": lambda: str(AccessToken()),
        "garbage": lambda: "not.a.token",
        "empty_bearer": lambda: "",
        "basic": lambda: None,
    }[kind]()
    secret_registry.add(token)
    header = (
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}
        if token is None
        else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    )
    response = api.post("/v2/account", body(), format="json", **header)
    assert response.status_code == 401, response.content
    assert response.json() == UNAUTHORIZED


def test_forged_helper_makes_a_valid_token_when_untouched(api, partner, body):
    # Guards the test above: a correctly forged token is accepted, so the 401s mean the mutation.
    client, _ = partner
    assert _create(api, _forged(client.client_id), body()).status_code == 200


def test_missing_token_is_401(api, body):
    response = api.post("/v2/account", body(), format="json")
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


# --- account tokens ----------------------------------------------------------------


def test_account_token_pair_and_status(api, account, secret_registry):
    response = _login(api, account.username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken", "tokenType", "expiresIn"}
    secret_registry.add(body["accessToken"], body["refreshToken"])
    claims = _claims(body["accessToken"])
    assert claims["sub"] == str(account.pk) and claims["email"] == account.email
    assert claims["token_type"] == "merchant_account_access"
    assert claims["aud"] == settings.SIMPLE_JWT["AUDIENCE"] and claims["iss"] == settings.SIMPLE_JWT["ISSUER"]
    status = api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {body['accessToken']}")
    assert status.status_code == 200
    assert status.json() == {"id": account.pk, "status": "PENDING", "branch": None, "declinedReason": None}


def test_login_is_case_insensitive_on_username(api, account, secret_registry):
    response = _login(api, account.username.upper())
    assert response.status_code == 200
    secret_registry.add(response.json()["accessToken"], response.json()["refreshToken"])


@pytest.mark.parametrize("username,password", [("nobody", VALID_PASSWORD), (None, "Wr0ng#Password!")])
def test_bad_login_is_401(api, account, username, password):
    response = _login(api, username or account.username, password)
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_login_validation(api):
    response = api.post("/v2/account/token", {"username": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "username should not be empty",
        "password should not be empty",
        "password must be a string",
    ]


def test_client_token_is_not_an_account_token_and_vice_versa(
    api, account, client_token, body, secret_registry
):
    response = api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {client_token}")
    assert response.status_code == 401 and response.json() == UNAUTHORIZED
    pair = _login(api, account.username).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    for token in (pair["accessToken"], pair["refreshToken"]):
        response = _create(api, token, body())
        assert response.status_code == 401
    response = api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {pair['refreshToken']}")
    assert response.status_code == 401


def test_get_account_without_token_is_401(api):
    response = api.get("/v2/account")
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_refresh_rotates_and_reuse_revokes_the_whole_sign_in(api, account, secret_registry):
    pair = _login(api, account.username).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    response = api.post("/v2/account/token/refresh", {"refreshToken": pair["refreshToken"]}, format="json")
    assert response.status_code == 200
    new = response.json()
    secret_registry.add(new["accessToken"], new["refreshToken"])
    assert new["refreshToken"] != pair["refreshToken"]
    assert api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {new['accessToken']}").status_code == 200
    again = api.post("/v2/account/token/refresh", {"refreshToken": pair["refreshToken"]}, format="json")
    assert again.status_code == 401 and again.json() == UNAUTHORIZED
    # Reuse of a rotated token revokes its whole family: the newer tokens stop working too.
    third = api.post("/v2/account/token/refresh", {"refreshToken": new["refreshToken"]}, format="json")
    assert third.status_code == 401
    assert api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {new['accessToken']}").status_code == 401


def test_access_token_is_not_a_refresh_token(api, account, secret_registry):
    pair = _login(api, account.username).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    response = api.post("/v2/account/token/refresh", {"refreshToken": pair["accessToken"]}, format="json")
    assert response.status_code == 401


def test_expired_password_is_403_on_login_and_refresh(api, account, secret_registry):
    pair = _login(api, account.username).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    type(account).objects.filter(pk=account.pk).update(
        password_changed_at=timezone.now() - timedelta(days=90, seconds=1)
    )
    response = _login(api, account.username)
    assert response.status_code == 403
    assert response.json() == {"statusCode": 403, "message": "Password expired", "error": "Forbidden"}
    response = api.post("/v2/account/token/refresh", {"refreshToken": pair["refreshToken"]}, format="json")
    assert response.status_code == 403


def test_expired_password_with_wrong_password_is_still_401(api, account):
    type(account).objects.filter(pk=account.pk).update(
        password_changed_at=timezone.now() - timedelta(days=200)
    )
    assert _login(api, account.username, "Wr0ng#Password!").status_code == 401


def test_expired_account_access_token_is_401(api, account):
    token = AccountAccessToken()
    token["sub"] = str(account.pk)
    token["pwv"] = account.password_version
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    response = api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_client_token_class_cannot_be_read_as_account_token(partner):
    client, _ = partner
    from rest_framework_simplejwt.exceptions import TokenError

    with pytest.raises(TokenError):
        AccountAccessToken(str(ClientAccessToken.for_client(client)))


# --- password change ---------------------------------------------------------------


def _change(api, username, current=VALID_PASSWORD, new=NEW_PASSWORD):
    return api.post(
        "/v2/account/password",
        {"username": username, "currentPassword": current, "newPassword": new},
        format="json",
    )


def test_password_change_revokes_earlier_tokens(api, account, secret_registry):
    secret_registry.add(NEW_PASSWORD)
    pair = _login(api, account.username).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    response = _change(api, account.username)
    assert response.status_code == 200 and response.json() == {"message": "Password changed"}
    assert api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {pair['accessToken']}").status_code == 401
    refresh = api.post("/v2/account/token/refresh", {"refreshToken": pair["refreshToken"]}, format="json")
    assert refresh.status_code == 401
    assert _login(api, account.username).status_code == 401
    fresh = _login(api, account.username, NEW_PASSWORD)
    assert fresh.status_code == 200
    secret_registry.add(fresh.json()["accessToken"], fresh.json()["refreshToken"])
    assert (
        api.get("/v2/account", HTTP_AUTHORIZATION=f"Bearer {fresh.json()['accessToken']}").status_code == 200
    )


def test_password_change_works_when_expired_and_resets_expiry(api, account, secret_registry):
    secret_registry.add(NEW_PASSWORD)
    type(account).objects.filter(pk=account.pk).update(
        password_changed_at=timezone.now() - timedelta(days=120)
    )
    assert _login(api, account.username).status_code == 403
    assert _change(api, account.username).status_code == 200
    response = _login(api, account.username, NEW_PASSWORD)
    assert response.status_code == 200
    secret_registry.add(response.json()["accessToken"], response.json()["refreshToken"])


def test_password_change_rules(api, account, secret_registry):
    secret_registry.add("weak")
    response = _change(api, account.username, new="weak")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "newPassword must be longer than or equal to 12 characters",
        "newPassword must have at least 1 uppercase and lowercase character, a number, and special character",
    ]
    same = _change(api, account.username, new=VALID_PASSWORD)
    assert same.status_code == 400
    assert same.json()["message"] == ["newPassword must be different from currentPassword"]
    assert _login(api, account.username).status_code == 200


def test_password_change_with_wrong_current_password_is_401(api, account, secret_registry):
    secret_registry.add(NEW_PASSWORD)
    response = _change(api, account.username, current="Wr0ng#Password!")
    assert response.status_code == 401 and response.json() == UNAUTHORIZED
    assert _login(api, account.username).status_code == 200


# Found by fuzzing on PostgreSQL: a NUL in a credential used to reach the query (a 500).
@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/v2/auth/token", {"clientId": "a\x00b", "clientSecret": "x" * 12}, "clientId"),
        ("/v2/account/token", {"username": "a\x00b", "password": "Whatever#Pass123"}, "username"),
        (
            "/v2/account/password",
            {"username": "a\x00b", "currentPassword": "Whatever#Pass123", "newPassword": "Another#Pass1234"},
            "username",
        ),
    ],
)
def test_nul_in_a_credential_is_a_400_not_a_server_error(api, path, body, field):
    response = api.post(path, body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": [f"{field} must not contain null characters"],
    }
