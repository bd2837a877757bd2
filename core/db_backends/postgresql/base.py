"""Django's PostgreSQL backend, with the connection health check only after an idle spell.

Django's CONN_HEALTH_CHECKS runs a `SELECT 1` before the first query of every request
that reuses a persistent connection: a hidden round trip per request. A connection that
served a request less than HEALTH_CHECK_IDLE_SECONDS ago is not checked again; one that
sat idle longer (where a server restart or a dropped socket hides) is, as before. A
connection that breaks mid-burst still fails only that request: the error marks it, and
Django closes it when the request ends, so the next request opens a new one.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    _last_request_at: float = float("-inf")

    def close_if_unusable_or_obsolete(self) -> None:
        # Called when each request starts and when it ends (close_old_connections).
        super().close_if_unusable_or_obsolete()
        now = time.monotonic()
        if self.connection is not None and now - self._last_request_at < HEALTH_CHECK_IDLE_SECONDS:
            self.health_check_done = True  # used a moment ago: no check
        self._last_request_at = now
