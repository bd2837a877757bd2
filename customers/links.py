"""The single-use gateway link of a challenge: a keyed token that only we can mint."""

import functools
import uuid

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from core.crypto import b64url, constant_time_equal, peppered_hmac


def challenge_link_token(challenge_id: uuid.UUID) -> str:
    return b64url(peppered_hmac(str(challenge_id).encode(), purpose="challenge-link"))


def challenge_link_token_valid(*, challenge_id: uuid.UUID, token: str) -> bool:
    return constant_time_equal(challenge_link_token(challenge_id), token)


def challenge_gateway_url(*, challenge_id: uuid.UUID) -> str:
    before_id, before_token, after = _gateway_url_parts(get_script_prefix(), get_urlconf())
    token = challenge_link_token(challenge_id)
    return f"{settings.PUBLIC_BASE_URL}{before_id}{challenge_id}{before_token}{token}{after}"


# The link's route reversed once per script prefix and URLconf (what reverse() reads; it
# walks the URL patterns on every call, and every challenge body carries a link): its text
# around the id and the token.
_SAMPLE_ID = uuid.UUID(int=0)
_SAMPLE_TOKEN = "sample-token"  # noqa: S105 (a placeholder, not a secret)


@functools.lru_cache(maxsize=8)
def _gateway_url_parts(script_prefix: str, urlconf: str | None) -> tuple[str, str, str]:
    sample = {"challenge_id": _SAMPLE_ID, "token": _SAMPLE_TOKEN}
    path = reverse("gateway:open", urlconf=urlconf, kwargs=sample)
    before_id, rest = path.split(str(_SAMPLE_ID))
    before_token, after = rest.split(_SAMPLE_TOKEN)
    return before_id, before_token, after
