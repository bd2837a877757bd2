"""Middleware: django-csp's header, built once instead of on every response."""

from __future__ import annotations

import http.client as http_client
from functools import partial

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_EXEMPT_DEBUG_CODES = (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND)

# report_only -> (header value, excluded path prefixes), built from settings on first use.
_built: dict[bool, tuple[str, tuple[str, ...]]] = {}


def _constant_policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    built = _built.get(report_only)
    if built is None:
        name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
        prefixes = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        built = _built[report_only] = (build_policy(report_only=report_only), prefixes)
    return built


def _forget_policy(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _built.clear()


setting_changed.connect(_forget_policy, dispatch_uid="core.middleware.csp")


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's CSPMiddleware, same headers, same rules.

    A response without a per-view policy (the `csp_update`/`csp_replace`/... decorators)
    and a request that used no nonce get the header built once from settings; anything
    else goes through django-csp unchanged. (django-csp rebuilt the same string, through
    a dataclass copy and the directive formatting, on every response.)
    """

    def process_request(self, request: HttpRequest) -> None:
        setattr(request, "csp_nonce", CheckableLazyObject(partial(self._make_nonce, request)))  # noqa: B010

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _OVERRIDES
        ):
            return super().process_response(request, response)
        if response.status_code in _EXEMPT_DEBUG_CODES and settings.DEBUG:
            return response
        for report_only, header, exempt in (
            (False, HEADER, "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro"),
        ):
            value, prefixes = _constant_policy(report_only)
            if (
                value
                and header not in response
                and getattr(response, exempt, False) is False
                and not (prefixes and request.path_info.startswith(prefixes))
            ):
                response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        setattr(request, "csp_nonce", CheckableLazyObject(self._csp_nonce_post_response))  # noqa: B010
        return response
