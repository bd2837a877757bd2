"""The single-use gateway link of a challenge: a keyed token that only we can mint."""

import uuid

from django.conf import settings
from django.urls import reverse

from core.crypto import b64url, constant_time_equal, peppered_hmac


def challenge_link_token(challenge_id: uuid.UUID) -> str:
    return b64url(peppered_hmac(str(challenge_id).encode(), purpose="challenge-link"))


def challenge_link_token_valid(*, challenge_id: uuid.UUID, token: str) -> bool:
    return constant_time_equal(challenge_link_token(challenge_id), token)


def challenge_gateway_url(*, challenge_id: uuid.UUID) -> str:
    path = reverse(
        "gateway:open", kwargs={"challenge_id": challenge_id, "token": challenge_link_token(challenge_id)}
    )
    return f"{settings.PUBLIC_BASE_URL}{path}"
