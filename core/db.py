"""Database helpers shared by the apps: telling which unique constraint an insert broke."""

from collections.abc import Sequence

from django.db import IntegrityError


def is_unique_violation(exc: IntegrityError, *, constraint: str, table: str, columns: Sequence[str]) -> bool:
    """True when `exc` is the violation of `constraint` (PostgreSQL names it; SQLite lists
    the columns), so a caller needs no savepoint and no second query to tell."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name == constraint
    text = str(exc)
    return text.startswith("UNIQUE constraint failed:") and all(f"{table}.{c}" in text for c in columns)
