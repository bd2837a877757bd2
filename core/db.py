"""Database helpers shared by the apps: which unique constraint an insert broke; prepared reads."""

from collections.abc import Sequence

import psycopg
from django.db import IntegrityError, connection


def is_unique_violation(exc: IntegrityError, *, constraint: str, table: str, columns: Sequence[str]) -> bool:
    """True when `exc` is the violation of `constraint` (PostgreSQL names it; SQLite lists
    the columns), so a caller needs no savepoint and no second query to tell."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name == constraint
    text = str(exc)
    return text.startswith("UNIQUE constraint failed:") and all(f"{table}.{c}" in text for c in columns)


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding; every statement prepared on its first run on a connection."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_rows(sql: str, params: Sequence[object]) -> list[tuple]:
    """The rows of a fixed, hot statement, run as a PostgreSQL prepared statement.

    For the few statements run on nearly every request: the server parses and plans them
    once per connection, and no ORM query is compiled per call. It goes through Django's
    connection like any query: the health check, django.db errors (a lost server is an
    OperationalError, so a 503), and query logging (DEBUG, CaptureQueriesContext).
    PostgreSQL only; with DB_PREPARED_STATEMENTS off (a transaction-mode pooler in front
    of the database) the statement is sent unprepared.
    """
    from core.conf import app_settings

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    factory = _PreparingCursor if app_settings.DB_PREPARED_STATEMENTS else psycopg.Cursor
    with connection.wrap_database_errors:
        raw = factory(connection.connection)
    # Django's own cursor wrapping: query logging, execute wrappers, error translation.
    with connection._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # noqa: SLF001
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []
