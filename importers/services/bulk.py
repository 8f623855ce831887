"""Set-based create-or-update through a staging table: COPY on PostgreSQL, executemany on SQLite.

The rows of a file go into a temporary staging table. A handful of SQL statements then
find the stored rows by natural key, record what will change (``ImportChange``, so the
batch can be rolled back), update the rows that differ, insert the new ones and, when a
period is replaced, remove the stored rows the file no longer has. The database works in
sets, so a million rows cost a few statements instead of a million round trips.

The same statements run on both engines; only loading the staging table, "is distinct
from" and the JSON constructor differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection, models

from importers.models import ImportBatch, ImportChange

from .results import Counts, months_of
from .staging import Lookup, StagingTable
from .table_upkeep import analyze, quoted, rows_delete_where, upkeep_deferred
from .writer import model_label

# An insert at least this large, into a table holding fewer rows, builds the indexes afterwards
BULK_REBUILD_ROWS = 100_000
ANALYZE_AFTER_ROWS = 50_000  # a write this large refreshes the table's planner statistics (PostgreSQL)


_q = quoted


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if connection.vendor == "postgresql" else f"{a} IS NOT {b}"


def _on(key: Iterable[str], a: str, b: str) -> str:
    return " AND ".join(f"{a}.{_q(k)} = {b}.{_q(k)}" for k in key)


def _json_object(pairs: Iterable[tuple[str, str]]) -> str:
    args = ", ".join(f"'{name}', {expr}" for name, expr in pairs)
    return f"json_build_object({args})::jsonb" if connection.vendor == "postgresql" else f"json_object({args})"


@dataclass
class Staged:
    """What a merge did, for the batch's counts and the importer's notes."""

    counts: Counts
    lookups_missing: dict[str, int] = field(default_factory=dict)
    deleted_ids: list[int] = field(default_factory=list)
    months: frozenset[dt.date] = frozenset()  # the months whose figures the merge may have changed
    # the months of the created rows (of their offences, for charges); whether on_merged counted the created
    # rows as they are, or their months are to be regrouped, is the caller's to decide
    added: frozenset[dt.date] = frozenset()
    added_counted: bool = False




@dataclass(frozen=True)
class Replace:
    """The stored rows a file replaces: those whose ``owner`` is one of ``owners`` and whose ``column`` lies
    from ``start`` to ``end`` (e.g. a municipality's offences reported in a period)."""

    column: str
    start: dt.date
    end: dt.date
    owner: str
    owners: frozenset[int]

    def condition(self, alias: str) -> str:
        """The rows as an SQL condition on the target table named ``alias`` (ids and ISO dates only)."""
        ids = ", ".join(str(int(m)) for m in sorted(self.owners)) or "NULL"
        return (f"{alias}.{self.owner} IN ({ids}) AND {alias}.{self.column} >= '{self.start.isoformat()}' "
                f"AND {alias}.{self.column} <= '{self.end.isoformat()}'")


@dataclass(frozen=True)
class MergeSpec:
    """What ``staged_merge`` does with a file's rows.

    ``fields`` are all the stored columns the file's rows carry (new rows get them all); ``compare``
    (default ``fields``) those an update may change: a file without a column leaves it as stored.
    ``lookups`` fill columns by joining other tables (a charge's offence). ``replace``: the stored rows
    the file replaces; those whose key is not in the file are removed. ``dates``: the date columns whose
    months the merge changes (of the changed rows, before and after, and of the replaced rows); with
    ``dates_via`` (a lookup's column) they are the columns of the looked-up row (a charge counts in its
    offence's months), of the changed rows as they are after the merge."""

    model: type[models.Model]
    key: tuple[str, ...]
    fields: tuple[str, ...]
    compare: tuple[str, ...] | None = None
    lookups: tuple[Lookup, ...] = ()
    dates: tuple[str, ...] = ()
    dates_via: str | None = None
    replace: Replace | None = None


@dataclass(frozen=True)
class Merged:
    """The merged rows while ``on_merged`` runs: the rows of the file, each with its stored row's id (none
    for a new row), whether it changes anything, and the lookups' columns."""

    table: str
    lookups: tuple[Lookup, ...]

    def new_rows(self) -> str:
        """SQL of the rows the merge created (those whose lookups all found their row)."""
        found = "".join(f" AND {_q(lk.column)} IS NOT NULL" for lk in self.lookups)
        return f"SELECT * FROM {self.table} WHERE existing_id IS NULL{found}"


def _months_queries(spec: MergeSpec, merged: str, target: str) -> list[str]:
    """SQL of the dates whose months the merge changes (see ``MergeSpec.dates``)."""
    if not spec.dates:
        return []
    if spec.dates_via is not None:
        via = next(lk for lk in spec.lookups if lk.column == spec.dates_via)
        table = via.model._meta.db_table
        return ["SELECT DISTINCT x FROM (" + " UNION ALL ".join(
            f"SELECT o.{d} AS x FROM {merged} m JOIN {table} o ON o.id = m.{spec.dates_via} "
            "WHERE m.changed AND m.existing_id IS NOT NULL" for d in spec.dates) + ") d"]
    new_and_old = " UNION ALL ".join(  # of the stored rows the merge changes (new rows are counted as they are)
        [f"SELECT {d} AS x FROM {merged} WHERE changed AND existing_id IS NOT NULL" for d in spec.dates]
        + [f"SELECT t.{d} FROM {merged} m JOIN {target} t ON t.id = m.existing_id WHERE m.changed" for d in spec.dates])
    queries = [f"SELECT DISTINCT x FROM ({new_and_old}) d"]
    if spec.replace is not None:
        replaced = " UNION ALL ".join(f"SELECT t.{d} AS x FROM {target} t WHERE {spec.replace.condition('t')}"
                                      for d in spec.dates)
        queries.append(f"SELECT DISTINCT x FROM ({replaced}) d")
    return queries


def _added_query(spec: MergeSpec, merged: Merged) -> str:
    """SQL of the dates of the created rows (of their looked-up rows with ``dates_via``)."""
    if spec.dates_via is not None:
        table = next(lk for lk in spec.lookups if lk.column == spec.dates_via).model._meta.db_table
        return "SELECT DISTINCT x FROM (" + " UNION ALL ".join(
            f"SELECT o.{d} AS x FROM {merged.table} m JOIN {table} o ON o.id = m.{spec.dates_via} "
            "WHERE m.existing_id IS NULL" for d in spec.dates) + ") d"
    return " UNION ".join(f"SELECT {d} FROM ({merged.new_rows()}) n" for d in spec.dates)


def staged_merge(
    spec: MergeSpec, *, batch: ImportBatch, frame: pd.DataFrame | None = None, stage: StagingTable | None = None,
    rows: int = 0, progress: Callable[[int], None] | None = None,
    on_merged: Callable[[object, Merged, Staged], bool] | None = None,
) -> Staged:
    """Create the rows of the file whose key is new and update those whose ``compare`` fields differ, as
    ``spec`` says (``MergeSpec``). Every created, updated and removed row leaves an ``ImportChange``
    pointing to ``batch``.

    Give either ``frame`` (loaded here) or a ``stage`` already loaded chunk by chunk with
    ``rows`` rows (a streamed file); the staging table is dropped when the merge is done.

    ``Staged.months`` are the months whose figures the merge changes (rows the file leaves as they are
    change none), ``Staged.added`` the months of the created rows. ``on_merged(cursor, merged, result)``
    runs after the writes, while the merged rows exist; it returns whether the created rows were counted
    as they are (``Staged.added_counted``).
    """
    model, key, fields, lookups = spec.model, spec.key, list(spec.fields), list(spec.lookups)
    compare = list(fields if spec.compare is None else spec.compare)
    target = _q(model._meta.db_table)
    changes = _q(ImportChange._meta.db_table)
    label = model_label(model)
    merged = f"merged_{model._meta.model_name}"
    if stage is None:
        stage = StagingTable.for_merge(model=model, key=key, fields=fields, lookups=lookups)
        stage.create()
    result = Staged(counts=Counts(read=rows if frame is None else len(frame)))
    try:
        if frame is not None:
            stage.load(frame, progress)
        stage.finish()
        with connection.cursor() as cursor:
            joins = " ".join(
                f"LEFT JOIN {_q(lk.model._meta.db_table)} lk{i} ON "
                + " AND ".join(f"lk{i}.{_q(theirs)} = s.{_q(ours)}" for ours, theirs in lk.on)
                for i, lk in enumerate(lookups)
            )
            extra = "".join(f", lk{i}.id AS {_q(lk.column)}" for i, lk in enumerate(lookups))
            given = {lk.column: f"lk{i}.id" for i, lk in enumerate(lookups)}  # each field's value in the file
            changes_row = " OR ".join(["t.id IS NULL", *(_distinct(f"t.{_q(f)}", given.get(f, f"s.{_q(f)}"))
                                                          for f in compare)])
            on_key = _on(key, "t", "s")
            cursor.execute(f"DROP TABLE IF EXISTS {merged}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {merged} AS SELECT {', '.join(f's.{_q(c)}' for c in stage.columns)}{extra}, "
                f"t.id AS existing_id, ({changes_row}) AS changed "
                f"FROM {stage.name} s LEFT JOIN {target} t ON {on_key} {joins}"
            )
            analyze(cursor, merged)  # a temporary table has no statistics: the joins on it would be planned blind
            for lk in lookups:
                cursor.execute(f"SELECT COUNT(*) FROM {merged} WHERE {_q(lk.column)} IS NULL")
                result.lookups_missing[lk.column] = cursor.fetchone()[0]
            for sql in _months_queries(spec, merged, target):
                cursor.execute(sql)
                result.months |= months_of(row[0] for row in cursor.fetchall())
            previous = _json_object((f, f"t.{_q(f)}") for f in [*compare, "batch_id"])
            cursor.execute(
                f"INSERT INTO {changes} (batch_id, model, object_id, action, previous) "
                f"SELECT %s, %s, t.id, %s, {previous} FROM {merged} m JOIN {target} t ON t.id = m.existing_id "
                "WHERE m.changed",
                [batch.pk, label, ImportChange.Action.UPDATED],
            )
            if compare:
                assignments = ", ".join(f"{_q(f)} = m.{_q(f)}" for f in compare)
                cursor.execute(
                    f"UPDATE {target} AS t SET {assignments}, batch_id = %s FROM {merged} m "
                    "WHERE t.id = m.existing_id AND m.changed",
                    [batch.pk],
                )
                result.counts.updated = max(cursor.rowcount, 0)
            columns = [*key, *fields]
            with _upkeep_deferred(cursor, model=model, merged=merged, rows=result.counts.read):
                cursor.execute(
                    f"INSERT INTO {target} ({', '.join(map(_q, columns))}, batch_id) "
                    f"SELECT {', '.join(f'm.{_q(c)}' for c in columns)}, %s FROM {merged} m "
                    "WHERE m.existing_id IS NULL",
                    [batch.pk],
                )
                result.counts.created = max(cursor.rowcount, 0)
            if result.counts.created:  # the created rows are known by their batch number (see rollback)
                ImportChange.objects.create(batch=batch, model=label, object_id=result.counts.created,
                                            action=ImportChange.Action.BULK_CREATED)
            if spec.replace is not None:
                result.deleted_ids = _remove_absent(
                    cursor, model=model, merged=merged, key=key, condition=spec.replace.condition("t"), batch=batch
                )
                result.counts.removed = len(result.deleted_ids)
            rows_of = Merged(table=merged, lookups=tuple(lookups))
            if result.counts.created and spec.dates:
                cursor.execute(_added_query(spec, rows_of))
                result.added = months_of(row[0] for row in cursor.fetchall())
            if on_merged is not None and result.counts.created:
                result.added_counted = on_merged(cursor, rows_of, result)
            cursor.execute(f"DROP TABLE IF EXISTS {merged}")
            changed = result.counts.created + result.counts.updated + result.counts.removed
            if changed > ANALYZE_AFTER_ROWS:
                analyze(cursor, model._meta.db_table)
    finally:
        stage.drop()
    result.counts.unchanged = result.counts.read - result.counts.created - result.counts.updated
    return result


@contextmanager
def _upkeep_deferred(cursor, *, model: type[models.Model], merged: str, rows: int) -> Iterator[None]:
    """Around inserting the new merged rows: when they are many and at least as many as the table
    already holds, build its secondary indexes afterwards and, on PostgreSQL, check its foreign keys
    once, afterwards.

    Kept up row by row, the two four-column indexes of the offences cost ~4 µs a row each and the
    foreign-key triggers ~6 µs a row at commit; building the indexes afterwards and validating
    each foreign key in one statement costs a fraction of that (bench/RESULTS.md). The unique
    natural key stays in place (SQLite checks its deferred foreign keys cheaply at commit; they
    stay too). Indexes and foreign keys are created again from their own definitions inside the
    import's transaction — every key validated in full — so the committed rows are checked
    exactly as before, and a rejected or failed import rolls them back with the rows. Meanwhile
    the table and the tables it refers to are locked until the import commits: acceptable for the
    large first load of a period, which is the only time this happens. When the transaction has
    foreign-key checks pending on the table (rows it changed before), the keys cannot be taken
    away and the rows are inserted the ordinary way.
    """
    if rows < BULK_REBUILD_ROWS:
        yield
        return
    cursor.execute(f"SELECT COUNT(*) FROM {merged} WHERE existing_id IS NULL")
    with upkeep_deferred_when_large(cursor, table=model._meta.db_table, rows=cursor.fetchone()[0]):
        yield


@contextmanager
def upkeep_deferred_when_large(cursor, *, table: str, rows: int) -> Iterator[bool]:
    """``upkeep_deferred`` around inserting ``rows`` new rows when they are many and at least as many
    as the table already holds; yields whether the indexes and keys were taken away."""
    if rows >= BULK_REBUILD_ROWS:
        cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")
        if rows >= cursor.fetchone()[0]:
            with upkeep_deferred(cursor, table=table) as deferred:
                yield deferred
            return
    yield False


def _remove_absent(cursor, *, model, merged: str, key: tuple[str, ...], condition: str, batch: ImportBatch) -> list[int]:
    """Delete the rows matching ``condition`` whose key is not among the merged rows; keep their values."""
    target = _q(model._meta.db_table)
    changes = _q(ImportChange._meta.db_table)
    stored = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    absent = _on(key, "m", "t")
    cursor.execute(f"CREATE INDEX {merged}_key ON {merged} ({', '.join(map(_q, key))})")
    cursor.execute(
        f"SELECT t.id FROM {target} t WHERE {condition} AND NOT EXISTS (SELECT 1 FROM {merged} m WHERE {absent})"
    )
    ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    previous = _json_object((f, f"t.{_q(f)}") for f in stored)
    for start in range(0, len(ids), 5000):
        part = ids[start:start + 5000]
        marks = ", ".join(["%s"] * len(part))
        cursor.execute(
            f"INSERT INTO {changes} (batch_id, model, object_id, action, previous) "
            f"SELECT %s, %s, t.id, %s, {previous} FROM {target} t WHERE t.id IN ({marks})",
            [batch.pk, model_label(model), ImportChange.Action.DELETED, *part],
        )
        rows_delete_where(cursor, model=model, condition=f"id IN ({marks})", params=part)
    return ids
