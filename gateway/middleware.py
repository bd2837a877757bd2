"""The language of a gateway page or JSON step: the user's switch > challenge.locale >
Accept-Language > English (docs/i18n.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers

from core.locales import locale_resolve
from customers.models import Challenge

SWITCH_PARAMETER = "lang"


def session_language_key(challenge_id: uuid.UUID | str) -> str:
    """Where the session remembers the language chosen on the page, per challenge."""
    return f"gateway_language:{challenge_id}"


def gateway_language(request: HttpRequest, challenge_id: uuid.UUID | None) -> str:
    """The language to answer in, without a query: a valid `?lang=` (remembered for the
    challenge), else what the session remembers for the challenge (the user's choice, or the
    challenge's locale stored there when its link was opened: challenge_language_remember),
    else Accept-Language, else English."""
    chosen = request.GET.get(SWITCH_PARAMETER, "") if request.method == "GET" else ""
    code = locale_resolve(chosen) if chosen else None
    if challenge_id is not None:
        key = session_language_key(challenge_id)
        if code:
            request.session[key] = code
            return code
        remembered = request.session.get(key)
        if remembered in dict(settings.LANGUAGES):
            return remembered
    return code or accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


def challenge_language_remember(request: HttpRequest, challenge: Challenge, *, remember: bool = True) -> None:
    """Called by a view that has the challenge: its `locale` outranks Accept-Language, so it is
    applied to this answer and, with `remember` (a session bound to the challenge), kept in the
    session, where the user's later choice replaces it. Nothing changes if the user chose."""
    key = session_language_key(challenge.id)
    if not challenge.locale or request.session.get(key) in dict(settings.LANGUAGES):
        return
    if remember:
        request.session[key] = challenge.locale
    translation.activate(challenge.locale)
    request.LANGUAGE_CODE = challenge.locale
    request.gateway_language = challenge.locale  # type: ignore[attr-defined]


def accept_language(header: str) -> str:
    """The first supported language of an Accept-Language header, by weight (`tl` counts as
    Filipino, as in `locale`); English when none is."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and weight > 0:
            weighted.append((-weight, index, tag))
    for _, _, tag in sorted(weighted):
        code = locale_resolve(tag)
        if code:
            return code
    return settings.LANGUAGE_CODE


class GatewayLanguageMiddleware:
    """Activates the page's language for the gateway's views (not the JS catalogue, whose
    address names its language), and says which one in Content-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        language = getattr(request, "gateway_language", None)
        if language:
            response.headers.setdefault("Content-Language", language)
            patch_vary_headers(response, ["Accept-Language"])
            translation.deactivate()
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]
    ) -> None:
        match = request.resolver_match
        if match is None or match.namespace != "gateway" or "lang" in view_kwargs:
            return
        language = gateway_language(request, view_kwargs.get("challenge_id"))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.gateway_language = language  # type: ignore[attr-defined]
