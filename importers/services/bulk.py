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

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection, models

from importers.models import ImportBatch, ImportChange

from .results import Counts, window_union
from .writer import model_label

LOAD_CHUNK = 100_000  # rows per executemany / COPY call: bounded memory for the text buffer
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
    window: tuple[dt.date | None, dt.date | None] = (None, None)  # the dates the merge may have touched
    counted: bool = False  # the aggregate table was brought up to date during the merge (on_merged)




class StagingTable:
    """A temporary table shaped like ``columns`` of ``model``; dropped when the merge is done."""

    def __init__(self, *, model: type[models.Model], columns: list[str], name: str, extra: dict[str, str] | None = None):
        self.extra = dict(extra or {})  # columns that are not the model's: name → SQL type
        self.model, self.columns, self.name = model, [*columns, *self.extra], name
        self.fields = {f.attname: f for f in model._meta.concrete_fields}

    @classmethod
    def for_merge(cls, *, model: type[models.Model], key: tuple[str, ...], fields: list[str],
                  lookups: Iterable[Lookup] = (), extra: dict[str, str] | None = None) -> StagingTable:
        """The staging table ``staged_merge`` reads: the key and the fields not filled by lookups."""
        filled = {lk.column for lk in lookups}
        return cls(model=model, columns=[*key, *[f for f in fields if f not in filled]],
                   name=f"stage_{model._meta.model_name}", extra=extra)

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

    def load(self, frame: pd.DataFrame, progress: Callable[[int], None] | None = None) -> None:
        for start in range(0, len(frame), LOAD_CHUNK):
            part = frame.iloc[start:start + LOAD_CHUNK]
            if connection.vendor == "postgresql":
                self._copy(part)
            else:
                self._insert(part)
            if progress:
                progress(len(part))

    def _copy(self, frame: pd.DataFrame) -> None:
        buffer = io.StringIO()
        frame[self.columns].to_csv(buffer, index=False, header=False, na_rep="", quoting=csv.QUOTE_MINIMAL)
        buffer.seek(0)
        text = [c for c in self.columns
                if c in self.fields and isinstance(self.fields[c], models.CharField | models.TextField)]
        force = f", FORCE_NOT_NULL ({', '.join(map(_q, text))})" if text else ""
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {self.name} ({', '.join(map(_q, self.columns))}) FROM STDIN WITH (FORMAT csv{force})", buffer
            )

    def _insert(self, frame: pd.DataFrame) -> None:
        values = [_python_values(frame[c]) for c in self.columns]
        marks = ", ".join("?" for _ in self.columns)
        sql = f"INSERT INTO {self.name} ({', '.join(map(_q, self.columns))}) VALUES ({marks})"
        with connection.cursor() as cursor:
            cursor.connection.executemany(sql, zip(*values, strict=True))

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def _python_values(series: pd.Series) -> list:
    """A column as plain Python values the sqlite3 module binds: None for missing, ISO text for dates."""
    if series.dtype == object:
        series = series.map(lambda v: v.isoformat() if isinstance(v, dt.date) else v, na_action="ignore")
    return series.astype(object).where(series.notna(), None).tolist()


def staged_merge(
    *, model: type[models.Model], key: tuple[str, ...], fields: list[str], batch: ImportBatch,
    frame: pd.DataFrame | None = None, stage: StagingTable | None = None, rows: int = 0,
    compare: list[str] | None = None, lookups: Iterable[Lookup] = (),
    replace: Callable[[str], str] | None = None, progress: Callable[[int], None] | None = None,
    window: Iterable[str] = (),
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

    ``window`` are SQL queries (``{merged}`` names the merged rows, with ``existing_id``) that
    each return the first and last date the merge may touch; ``Staged.window`` spans them all.
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
        with connection.cursor() as cursor:
            joins = " ".join(
                f"LEFT JOIN {_q(lk.model._meta.db_table)} lk{i} ON "
                + " AND ".join(f"lk{i}.{_q(theirs)} = s.{_q(ours)}" for ours, theirs in lk.on)
                for i, lk in enumerate(lookups)
            )
            extra = "".join(f", lk{i}.id AS {_q(lk.column)}" for i, lk in enumerate(lookups))
            on_key = _on(key, "t", "s")
            cursor.execute(f"DROP TABLE IF EXISTS {merged}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {merged} AS SELECT {', '.join(f's.{_q(c)}' for c in stage.columns)}{extra}, t.id AS existing_id "
                f"FROM {stage.name} s LEFT JOIN {target} t ON {on_key} {joins}"
            )
            for lk in lookups:
                cursor.execute(f"SELECT COUNT(*) FROM {merged} WHERE {_q(lk.column)} IS NULL")
                result.lookups_missing[lk.column] = cursor.fetchone()[0]
            spans = []
            for sql in window:
                cursor.execute(sql.format(merged=merged))
                spans.append(cursor.fetchone())
            result.window = window_union(*spans)
            differs = " OR ".join(_distinct(f"t.{_q(f)}", f"m.{_q(f)}") for f in compare) or "FALSE"
            previous = _json_object((f, f"t.{_q(f)}") for f in [*compare, "batch_id"])
            cursor.execute(
                f"INSERT INTO {changes} (batch_id, model, object_id, action, previous) "
                f"SELECT %s, %s, t.id, %s, {previous} FROM {merged} m JOIN {target} t ON t.id = m.existing_id "
                f"WHERE {differs}",
                [batch.pk, label, ImportChange.Action.UPDATED],
            )
            if compare:
                assignments = ", ".join(f"{_q(f)} = m.{_q(f)}" for f in compare)
                cursor.execute(
                    f"UPDATE {target} AS t SET {assignments}, batch_id = %s FROM {merged} m "
                    f"WHERE t.id = m.existing_id AND ({differs})",
                    [batch.pk],
                )
                result.counts.updated = max(cursor.rowcount, 0)
            columns = [*key, *fields]
            cursor.execute(
                f"INSERT INTO {target} ({', '.join(map(_q, columns))}, batch_id) "
                f"SELECT {', '.join(f'm.{_q(c)}' for c in columns)}, %s FROM {merged} m WHERE m.existing_id IS NULL",
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
            if connection.vendor == "postgresql" and changed > ANALYZE_AFTER_ROWS:
                cursor.execute(f"ANALYZE {target}")  # fresh statistics: the planner must see the new rows
    finally:
        stage.drop()
    result.counts.unchanged = result.counts.read - result.counts.created - result.counts.updated
    return result


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
