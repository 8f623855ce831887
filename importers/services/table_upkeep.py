"""A table's upkeep around large writes: its indexes and keys taken away and built again, fresh planner
statistics, rows deleted in SQL. Used by the set-wise import (``bulk``) and the rollback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from django.db import OperationalError, connection, models, transaction


def quoted(name: str) -> str:
    """A table's or column's name quoted for SQL."""
    return connection.ops.quote_name(name)


_q = quoted


@contextmanager
def upkeep_deferred(cursor, *, table: str, unique: bool = False) -> Iterator[bool]:
    """Take away the table's secondary indexes and (PostgreSQL) foreign keys — with ``unique``
    also its unique constraints — and create them again from their catalogue definitions when
    the block ends without an error; yields whether they were taken away.

    Everything happens inside the caller's transaction: the re-created keys check every row, and
    an error rolls the definitions back with the rows. When the transaction has foreign-key checks
    pending on the table, the keys cannot be taken away: nothing is, and the block runs as usual.
    """
    indexes, foreign_keys = _secondary_indexes(cursor, table), _foreign_keys(cursor, table)
    constraints = foreign_keys + (_unique_constraints(cursor, table) if unique else [])
    try:
        with transaction.atomic():
            for name, _definition in constraints:
                cursor.execute(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {_q(name)}")
    except OperationalError:  # checks still pending from earlier in the transaction: the ordinary way
        yield False
        return
    yield True
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in reversed(constraints):  # unique keys first: they find duplicates soonest
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")


def analyze(cursor, table: str) -> None:
    """Fresh planner statistics after a large write, so the planner sees the new rows (PostgreSQL;
    SQLite plans without them)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_q(table)}")


def _unique_constraints(cursor, table: str) -> list[tuple[str, str]]:
    """The table's unique constraints (not the primary key), name and definition (PostgreSQL only:
    SQLite's are part of the table)."""
    if connection.vendor != "postgresql":
        return []
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'u'", [table])
    return cursor.fetchall()


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The table's indexes that enforce nothing (not primary, not unique): name and definition."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary", [table])
    else:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'", [table])
    return cursor.fetchall()


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    """The table's foreign-key constraints, name and definition (PostgreSQL; none to take away on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
    return cursor.fetchall()




def rows_delete_where(cursor, *, model: type[models.Model], condition: str, params: list) -> int:
    """Delete the rows matching ``condition`` in SQL; rows pointing to them are set to NULL as the model says."""
    target = _q(model._meta.db_table)
    for relation in model._meta.related_objects:
        if relation.on_delete is models.SET_NULL:
            column = _q(relation.field.column)
            related = cast(type[models.Model], relation.related_model)
            cursor.execute(
                f"UPDATE {_q(related._meta.db_table)} SET {column} = NULL "
                f"WHERE {column} IN (SELECT id FROM {target} WHERE {condition})", params,
            )
        elif relation.on_delete is not models.DO_NOTHING and not relation.field.many_to_many:
            raise ValueError(f"{model._meta.label} has a {relation.on_delete.__name__} relation; delete through Django")
    cursor.execute(f"DELETE FROM {target} WHERE {condition}", params)
    return max(cursor.rowcount, 0)
