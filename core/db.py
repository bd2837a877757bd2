"""Database helpers shared by the apps: which unique constraint an insert broke; prepared reads."""

import weakref
from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import IntegrityError, connection
from django.db.models import Model
from django.db.models.base import ModelState
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer


def is_unique_violation(exc: IntegrityError, *, constraint: str, table: str, columns: Sequence[str]) -> bool:
    """True when `exc` is the violation of `constraint` (PostgreSQL names it; SQLite lists
    the columns), so a caller needs no savepoint and no second query to tell."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name == constraint
    text = str(exc)
    return text.startswith("UNIQUE constraint failed:") and all(f"{table}.{c}" in text for c in columns)


M = TypeVar("M", bound=Model)


def model_from_values(model: type[M], values: dict[str, Any], db: str = "default") -> M:
    """What `model.from_db` returns for these loaded attribute values (by attname; the
    others deferred), without Model.__init__, which sets every field in turn and sends two
    signals per instance: the larger part of building one on a hot path."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding, state.db = False, db
    return instance


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
        if app_settings.DB_PREPARED_STATEMENTS and connection.connection.autocommit:
            rows = _statement_run(connection.connection, sql, params)
            if rows is not None:
                return rows
        raw = _cursor_for(connection.connection, factory)
        raw.execute(sql, params)
        return raw.fetchall() if _has_rows(raw) else []


# Per psycopg connection: (statement text, parameter types) -> the name it was prepared as.
_statements: weakref.WeakKeyDictionary[psycopg.Connection, dict[tuple, bytes]] = weakref.WeakKeyDictionary()


def _statement_run(raw: psycopg.Connection, sql: str, params: Sequence[object]) -> list[tuple] | None:
    """Run `sql` as a named prepared statement through psycopg's libpq layer, or None when
    this statement cannot go that way (a placeholder other than a plain %s).

    Only outside a transaction (autocommit: nothing to BEGIN, which a cursor would send
    first inside one). It does what the cursor does, without the cursor's per-call
    machinery: psycopg's Transformer adapts the parameters and loads the rows with the
    connection's adapters (Django's included), and a failed statement raises psycopg's
    error for its SQLSTATE (a unique violation keeps its constraint name).
    """
    if "%%" in sql or "%(" in sql:
        return None
    tx = Transformer.from_context(raw)
    values = tx.dump_sequence(params, [PyFormat.AUTO] * len(params))
    key = (sql, tuple(tx.types or ()))
    known = _statements.setdefault(raw, {})
    name = known.get(key)
    pgconn = raw.pgconn
    if name is None:
        name = f"og_{len(known)}".encode()
        parts = sql.split("%s")
        if len(parts) != len(params) + 1:
            raise psycopg.ProgrammingError(
                f"the statement has {len(parts) - 1} placeholders, {len(params)} given"
            )
        text = "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]
        _result_check(pgconn.prepare(name, text.encode(), param_types=tx.types), raw)
        known[key] = name
    try:
        result = _result_check(pgconn.exec_prepared(name, values, param_formats=tx.formats), raw)  # type: ignore[arg-type]  # NULLs are None
    except psycopg.errors.InvalidSqlStatementName:
        # The session's prepared statements were dropped (DISCARD ALL, DEALLOCATE ALL):
        # forget them all and prepare this one again.
        known.clear()
        return _statement_run(raw, sql, params)
    if result.status != pq.ExecStatus.TUPLES_OK:
        return []
    tx.set_pgresult(result)
    return tx.load_rows(0, result.ntuples, tuple)


def _result_check(result: pq.abc.PGresult, raw: psycopg.Connection) -> pq.abc.PGresult:
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise psycopg.errors.error_from_result(result, encoding=raw.info.encoding)
    return result


def _has_rows(cursor: psycopg.Cursor) -> bool:
    """The statement returned a result set (even empty), without building its description."""
    result = cursor.pgresult
    return result is not None and result.status == pq.ExecStatus.TUPLES_OK
