"""Database helpers shared by the apps: which unique constraint an insert broke; prepared reads."""

import weakref
from collections.abc import Sequence
from typing import Any

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


# One reusable server-binding cursor per psycopg connection (a cursor holds no state
# between statements that a later one could see: each execute replaces the result).
_cursors: weakref.WeakKeyDictionary[psycopg.Connection, psycopg.Cursor[Any]] = weakref.WeakKeyDictionary()


def _cursor_for(raw: psycopg.Connection, factory: type[psycopg.Cursor[Any]]) -> psycopg.Cursor[Any]:
    cursor = _cursors.get(raw)
    if cursor is None or cursor.closed or type(cursor) is not factory:
        cursor = _cursors[raw] = factory(raw)
    return cursor


def prepared_rows(sql: str, params: Sequence[object]) -> list[tuple]:
    """The rows of a fixed, hot statement, run as a PostgreSQL prepared statement.

    For the few statements run on nearly every request: the server parses and plans them
    once per connection, and no ORM query is compiled per call. It goes through Django's
    connection like any query: the health check, django.db errors (a lost server is an
    OperationalError, so a 503), a broken transaction refused, and query logging (DEBUG,
    CaptureQueriesContext) and execute wrappers, which take Django's cursor wrapper; without
    them the statement runs on a cursor kept per connection. PostgreSQL only; with
    DB_PREPARED_STATEMENTS off (a transaction-mode pooler in front of the database) the
    statement is sent unprepared.
    """
    from core.conf import app_settings

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    factory = _PreparingCursor if app_settings.DB_PREPARED_STATEMENTS else psycopg.Cursor
    if connection.queries_logged or connection.execute_wrappers:
        # Django's own cursor wrapping (it closes the cursor when done): a cursor of its own.
        with connection.wrap_database_errors:
            raw = factory(connection.connection)
        with connection._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # noqa: SLF001
            cursor.execute(sql, params)
            return cursor.fetchall() if _has_rows(raw) else []
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        raw = _cursor_for(connection.connection, factory)
        raw.execute(sql, params)
        return raw.fetchall() if _has_rows(raw) else []


def _has_rows(cursor: psycopg.Cursor) -> bool:
    """The statement returned a result set (even empty), without building its description."""
    result = cursor.pgresult
    return result is not None and result.status == psycopg.pq.ExecStatus.TUPLES_OK
