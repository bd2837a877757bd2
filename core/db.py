"""Database helpers shared by the apps: which unique constraint an insert broke; prepared reads."""

import functools
import weakref
from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections
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


@functools.cache
def _row_loaders(model: type[Model], alias: str) -> tuple[tuple[str, Any], ...]:
    """(attname, the field's from_db_value or None) per concrete field of `model`."""
    return tuple((f.attname, getattr(f, "from_db_value", None)) for f in model._meta.concrete_fields)


def model_from_row(model: type[M], row: Sequence[Any], alias: str = DEFAULT_DB_ALIAS) -> M:
    """A model instance from a row of all its concrete columns (in their order), each value
    converted by its field's from_db_value as the ORM's loading would (a JSON column is
    parsed), built as model_from_values builds one."""
    db = connections[alias]
    values = {
        attname: value if load is None else load(value, None, db)
        for (attname, load), value in zip(_row_loaders(model, alias), row, strict=True)
    }
    return model_from_values(model, values, alias)


# The default of a field that is fresh in every instance but always the same value.
_FRESH_EMPTY = (list, dict)


@functools.cache
def _insert_template(model: type[Model], alias: str) -> tuple[tuple[Any, ...], ...]:
    """Per concrete field of `model`: (attname, field, default, prepared default), where the
    default is a value, a fresh-empty factory (list, dict), or None when it must be made per
    row (another callable, as uuid4, or auto_now). Each default's database value is
    prepared once: defaults do not change while the process runs."""
    db = connections[alias]
    template = []
    for f in model._meta.concrete_fields:
        default: Any = None
        prepared: Any = None
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            pass  # the caller gives it
        elif not f.has_default() or not callable(f.default):
            default = _Static(f.get_default())
            prepared = f.get_db_prep_save(default.value, db)
        elif f.default in _FRESH_EMPTY:
            default = f.default
            prepared = f.get_db_prep_save(f.default(), db)
        template.append((f.attname, f, default, prepared))
    return tuple(template)


class _Static:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def row_for_insert(
    model: type[M],
    values: dict[str, Any],
    *,
    related: dict[str, Model] | None = None,
    alias: str = DEFAULT_DB_ALIAS,
) -> tuple[M, list[Any]]:
    """A new row of `model` for a hand-written INSERT: the instance as it will be once inserted
    (`values` by attname, every other field at its default, `related` objects cached on
    their foreign keys) and the database values of its concrete fields, in their order,
    prepared as the ORM's insert would prepare them.

    Model(...) plus get_db_prep_save on every field costs ~60 µs for a customer; only the
    given fields and the per-row defaults are prepared here, the constant defaults were
    prepared once (`_insert_template`). A field with another callable default (uuid4) gets
    a fresh value; auto_now fields must be given.
    """
    db = connections[alias]
    template = _insert_template(model, alias)
    attrs: dict[str, Any] = {}
    prepared: list[Any] = []
    given = 0
    for attname, f, default, prepared_default in template:
        if attname in values:
            value = values[attname]
            given += 1
        elif type(default) is _Static:
            attrs[attname] = default.value
            prepared.append(prepared_default)
            continue
        elif default is not None:
            attrs[attname] = default()
            prepared.append(prepared_default)
            continue
        elif f.has_default():
            value = f.get_default()
        else:
            raise ValueError(f"{model.__name__}.{attname} must be given")
        attrs[attname] = value
        prepared.append(f.get_db_prep_save(value, db))
    if given != len(values):
        unknown = sorted(set(values) - set(attrs))
        raise ValueError(f"{model.__name__} has no field {unknown}")
    instance = model_from_values(model, attrs, alias)
    for name, obj in (related or {}).items():
        instance._state.fields_cache[name] = obj
    return instance, prepared


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

    The connection wrapper is looked up once: each attribute read through Django's
    `connection` proxy costs a thread-local lookup (~2 µs), and this runs several.
    """
    from core.conf import app_settings

    db = connections[DEFAULT_DB_ALIAS]
    prepare = app_settings.DB_PREPARED_STATEMENTS
    db.close_if_health_check_failed()
    db.ensure_connection()
    factory = _PreparingCursor if prepare else psycopg.Cursor
    if db.queries_logged or db.execute_wrappers:
        # Django's own cursor wrapping (it closes the cursor when done): a cursor of its own.
        with db.wrap_database_errors:
            raw = factory(db.connection)
        with db._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # noqa: SLF001
            cursor.execute(sql, params)
            return cursor.fetchall() if _has_rows(raw) else []
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        pg = db.connection
        if prepare and _transaction_ready(pg):
            rows = _statement_run(pg, sql, params)
            if rows is not None:
                return rows
        raw = _cursor_for(pg, factory)
        raw.execute(sql, params)
        return raw.fetchall() if _has_rows(raw) else []


# Per psycopg connection: (statement text, parameter types) -> the name it was prepared as.
_statements: weakref.WeakKeyDictionary[psycopg.Connection, dict[tuple, bytes]] = weakref.WeakKeyDictionary()


def _transaction_ready(raw: psycopg.Connection) -> bool:
    """True when a statement sent straight through libpq runs where the cursor's would: in
    autocommit, or inside the transaction Django opened, whose BEGIN psycopg would send
    with the first statement and this sends instead (a plain BEGIN, as psycopg's own when
    the connection sets no isolation level, read-only or deferrable mode). psycopg reads the
    transaction state from libpq, so its commit and rollback see the transaction."""
    if raw.autocommit:
        return True
    status = raw.pgconn.transaction_status
    if status == pq.TransactionStatus.INTRANS:
        return True
    if (
        status != pq.TransactionStatus.IDLE
        or raw.pgconn.pipeline_status != pq.PipelineStatus.OFF
        or raw.isolation_level is not None
        or raw.read_only is not None
        or raw.deferrable is not None
    ):
        return False
    _result_check(raw.pgconn.exec_(b"BEGIN"), raw)
    return True


def _statement_run(raw: psycopg.Connection, sql: str, params: Sequence[object]) -> list[tuple] | None:
    """Run `sql` as a named prepared statement through psycopg's libpq layer, or None when
    this statement cannot go that way (a placeholder other than a plain %s).

    In autocommit or inside a transaction (`_transaction_ready` has sent its BEGIN). It
    does what the cursor does, without the cursor's per-call machinery: psycopg's
    Transformer adapts the parameters and loads the rows with the connection's adapters
    (Django's included), and a failed statement raises psycopg's error for its SQLSTATE (a
    unique violation keeps its constraint name).
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
