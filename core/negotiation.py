"""Content negotiation: DRF's, with a short cut for the requests nearly every client sends."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

# Accept headers answered without parsing: absent (None), anything, or exactly JSON.
_COMMON_ACCEPT = frozenset({None, "*/*", "application/json"})


class ShortcutContentNegotiation(DefaultContentNegotiation):
    """Same choice as DRF's DefaultContentNegotiation; for an absent `Accept`, `*/*` or
    `application/json` (and no `?format=`) it skips parsing the header into media types.
    Any other header (weights, several types, another type) goes through DRF unchanged."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT")
        override = self.settings.URL_FORMAT_OVERRIDE
        if (
            format_suffix is None
            and accept in _COMMON_ACCEPT
            and renderers
            and not _may_override(request, override)
        ):
            first = renderers[0]
            if accept != "application/json" or first.media_type == "application/json":
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)


def _may_override(request, override: str | None) -> bool:
    """Whether the query string names the format override (`?format=`). It is parsed only
    when its raw text could hold that name, spelled out or percent-encoded."""
    if not override:
        return False
    raw = request.META.get("QUERY_STRING", "")
    return (override in raw or "%" in raw) and override in request.query_params
