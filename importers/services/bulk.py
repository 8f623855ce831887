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
import io
import math
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import OperationalError, connection, models, transaction

from importers.models import ImportBatch, ImportChange

from .results import Counts, months_of
from .writer import model_label

LOAD_CHUNK = 200_000  # rows per executemany / COPY call (a streamed file's chunk in one): bounded memory for the text buffer
# An insert at least this large, into a table holding fewer rows, builds the indexes afterwards
BULK_REBUILD_ROWS = 100_000
ANALYZE_AFTER_ROWS = 50_000  # a write this large refreshes the table's planner statistics (PostgreSQL)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if connection.vendor == "postgresql" else f"{a} IS NOT {b}"


def _on(key: Iterable[str], a: str, b: str) -> str:
    return " AND ".join(f"{a}.{_q(k)} = {b}.{_q(k)}" for k in key)


def _json_object(pairs: Iterable[tuple[str, str]]) -> str:
    args = ", ".join(f"'{name}', {expr}" for name, expr in pairs)
    return f"json_build_object({args})::jsonb" if connection.vendor == "postgresql" else f"json_object({args})"


@dataclass
class Lookup:
    """A column of the staging rows filled from another table by a join, e.g. a charge's offence id."""

    column: str
    model: type[models.Model]
    on: tuple[tuple[str, str], ...]  # (staging column, column of ``model``)


@dataclass
class Staged:
    """What a merge did, for the batch's counts and the importer's notes."""

    counts: Counts
    lookups_missing: dict[str, int] = field(default_factory=dict)
    deleted_ids: list[int] = field(default_factory=list)
    months: frozenset[dt.date] = frozenset()  # the months whose figures the merge may have changed
    # the months of the created rows (of their offences, for charges), where on_merged leaves the caller to
    # decide whether they are regrouped
    added: frozenset[dt.date] = frozenset()




class StagingTable:
    """A temporary table shaped like ``columns`` of ``model``; dropped when the merge is done.

    ``StagingTable.into(model, columns)`` loads into the model's own table instead (a first load
    that needs no merge). On PostgreSQL a load may go on in the background (``wait=False``)
    while the caller prepares the next chunk; ``finish()`` waits for it and raises its error.
    """

    def __init__(self, *, model: type[models.Model], columns: list[str], name: str, extra: dict[str, str] | None = None):
        self.extra = dict(extra or {})  # columns that are not the model's: name → SQL type
        self.model, self.columns, self.name = model, [*columns, *self.extra], name
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        self._pending: Future | None = None
        self._worker: ThreadPoolExecutor | None = None

    @classmethod
    def for_merge(cls, *, model: type[models.Model], key: tuple[str, ...], fields: list[str],
                  lookups: Iterable[Lookup] = (), extra: dict[str, str] | None = None) -> StagingTable:
        """The staging table ``staged_merge`` reads: the key and the fields not filled by lookups."""
        filled = {lk.column for lk in lookups}
        return cls(model=model, columns=[*key, *[f for f in fields if f not in filled]],
                   name=f"stage_{model._meta.model_name}", extra=extra)

    @classmethod
    def into(cls, *, model: type[models.Model], columns: list[str]) -> StagingTable:
        """A loader straight into the model's table (nothing to create or drop)."""
        return cls(model=model, columns=columns, name=_q(model._meta.db_table))

    def _db_type(self, column: str) -> str:
        if column in self.extra:
            return self.extra[column]
        target = self.fields[column]
        if isinstance(target, models.ForeignKey):
            return "bigint"
        kind = target.db_type(connection) or "text"
        return kind.split(" ")[0].split("(")[0] if connection.vendor == "sqlite" else kind.split(" CHECK")[0]

    def create(self) -> None:
        columns = ", ".join(f"{_q(c)} {self._db_type(c)}" for c in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({columns})")

    def load(self, frame: pd.DataFrame, progress: Callable[[int], None] | None = None, *, wait: bool = True) -> None:
        for start in range(0, len(frame), LOAD_CHUNK):
            part = frame.iloc[start:start + LOAD_CHUNK]
            if connection.vendor == "postgresql":
                self._copy(part)
            else:
                self._insert(part)
            if progress:
                progress(len(part))
        if wait:
            self.finish()

    def _copy(self, frame: pd.DataFrame) -> None:
        """COPY in text format; each distinct value of a column is formatted once. Text columns never get NULL.

        The text is built here; the COPY itself runs on a worker thread, so the server reads one
        part while Python builds the next (psycopg2 leaves the GIL while it sends). The worker
        uses this connection's psycopg2 cursor; until it is done, any statement Django runs on the
        connection first waits for it (an execute wrapper), so nothing interleaves with the COPY.
        """
        columns = [_copy_texts(frame[c], missing="" if self._is_text(c) else "\\N") for c in self.columns]
        text = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
        sql = f"COPY {self.name} ({', '.join(map(_q, self.columns))}) FROM STDIN"
        self.finish()
        connection.ensure_connection()
        raw = connection.connection

        def copy() -> None:
            with raw.cursor() as cursor:
                cursor.copy_expert(sql, io.StringIO(text), 1 << 20)

        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy")
        self._pending = self._worker.submit(copy)
        connection.execute_wrappers.append(self._before_statement)

    def _before_statement(self, execute, sql, params, many, context):
        self.finish()
        return execute(sql, params, many, context)

    def finish(self) -> None:
        """Wait for a COPY still running; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            connection.execute_wrappers.remove(self._before_statement)
            with connection.wrap_database_errors:  # a driver's error becomes Django's, as for any statement
                pending.result()

    def _is_text(self, column: str) -> bool:
        return column in self.fields and isinstance(self.fields[column], models.CharField | models.TextField)

    def _insert(self, frame: pd.DataFrame) -> None:
        values = [_python_values(frame[c]) for c in self.columns]
        marks = ", ".join("?" for _ in self.columns)
        sql = f"INSERT INTO {self.name} ({', '.join(map(_q, self.columns))}) VALUES ({marks})"
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.connection.executemany(sql, zip(*values, strict=True))

    def close(self) -> None:
        """Wait for the background COPY (its error is dropped: the caller is failing already) and stop the worker."""
        try:
            self.finish()
        except Exception:  # noqa: BLE001 - the error that brought us here is the one to report
            pass
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None

    def drop(self) -> None:
        self.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def _plain(value: object) -> object:
    """A cell as the plain Python value a driver binds: None for missing, ISO text for dates."""
    if type(value) in (str, int):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.item() if isinstance(value, np.generic) else value


def _distinct_plain(series: pd.Series) -> tuple[np.ndarray, list]:
    """Each row's number among the column's distinct values, and those values made plain (each once)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, [_plain(v) for v in np.asarray(uniques, dtype=object).tolist()]


def _spread(codes: np.ndarray, values: list) -> list:
    """The distinct ``values`` back in the rows' order."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array[codes].tolist()


_COPY_SPECIAL = "\\\t\n\r"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _has_special(texts: list[str]) -> bool:
    """Whether a cell holds a tab, line break or backslash (rare; they need escaping). A substring
    search per character is ~10× faster than a character-class regex over the same text."""
    joined = "".join(texts)
    return any(character in joined for character in _COPY_SPECIAL)


def _copy_texts(series: pd.Series, *, missing: str) -> list[str]:
    """A column in COPY's text format: backslash escapes for the separators, ``missing`` for no value."""
    if isinstance(series.dtype, pd.StringDtype):  # already text: no formatting to save by going through distinct values
        texts = series.to_numpy(dtype=object, na_value="").tolist()
        if _has_special(texts):
            texts = [t.translate(_COPY_ESCAPES) for t in texts]
        if missing and series.hasnans:
            for i in np.flatnonzero(series.isna().to_numpy()):
                texts[i] = missing
        return texts
    codes, values = _distinct_plain(series)
    texts = ["" if v is None else str(v) for v in values]
    if _has_special(texts):
        texts = [t.translate(_COPY_ESCAPES) for t in texts]
    return _spread(codes, [missing if v is None else t for v, t in zip(values, texts, strict=True)])


def _python_values(series: pd.Series) -> list:
    return _spread(*_distinct_plain(series))


def staged_merge(
    *, model: type[models.Model], key: tuple[str, ...], fields: list[str], batch: ImportBatch,
    frame: pd.DataFrame | None = None, stage: StagingTable | None = None, rows: int = 0,
    compare: list[str] | None = None, lookups: Iterable[Lookup] = (),
    replace: Callable[[str], str] | None = None, progress: Callable[[int], None] | None = None,
    dates: Iterable[str] = (),
    on_merged: Callable[[object, str, Staged], None] | None = None,
) -> Staged:
    """Create the rows of ``frame`` whose key is new and update those whose ``compare`` fields differ.

    ``fields`` are all the stored columns the frame carries (new rows get them all);
    ``compare`` (default ``fields``) are the ones an update may change: a file without a
    column leaves that column as stored. ``lookups`` fill columns by joining other tables.
    ``replace(alias)`` is an SQL condition on the target (as ``alias``) selecting the rows the
    file replaces: those among them whose key is not in the file are removed. Every created,
    updated and removed row leaves an ``ImportChange`` pointing to ``batch``.

    Give either ``frame`` (loaded here) or a ``stage`` already loaded chunk by chunk with
    ``rows`` rows (a streamed file); the staging table is dropped when the merge is done.

    ``dates`` are SQL queries (``{merged}`` names the merged rows, with ``existing_id`` and
    ``changed``: new, or differing in a ``compare`` field) that each return, in one column, the
    dates whose figures the merge may change; ``Staged.months`` are their months. Rows the file
    leaves as they are change no figure, so the queries should look at the changed ones only.
    ``on_merged(cursor, merged, result)`` runs after the writes, while the merged rows exist.
    """
    compare = list(fields if compare is None else compare)
    lookups = list(lookups)
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
            for sql in dates:
                cursor.execute(sql.format(merged=merged))
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
            if replace is not None:
                result.deleted_ids = _remove_absent(
                    cursor, model=model, merged=merged, key=key, condition=replace("t"), batch=batch
                )
                result.counts.removed = len(result.deleted_ids)
            if on_merged is not None:
                on_merged(cursor, merged, result)
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


def rows_delete_where(cursor, *, model: type[models.Model], condition: str, params: list) -> int:
    """Delete the rows matching ``condition`` in SQL; rows pointing to them are set to NULL as the model says."""
    target = _q(model._meta.db_table)
    for relation in model._meta.related_objects:
        if relation.on_delete is models.SET_NULL:
            column = _q(relation.field.column)
            cursor.execute(
                f"UPDATE {_q(relation.related_model._meta.db_table)} SET {column} = NULL "
                f"WHERE {column} IN (SELECT id FROM {target} WHERE {condition})", params,
            )
        elif relation.on_delete is not models.DO_NOTHING and not relation.field.many_to_many:
            raise ValueError(f"{model._meta.label} has a {relation.on_delete.__name__} relation; delete through Django")
    cursor.execute(f"DELETE FROM {target} WHERE {condition}", params)
    return max(cursor.rowcount, 0)
