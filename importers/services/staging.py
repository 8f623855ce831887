"""The staging table of a set-wise import: a temporary table loaded with COPY (PostgreSQL) or executemany
(SQLite), or a loader straight into a model's table for a first load."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, models

from .table_upkeep import quoted as _q

LOAD_CHUNK = 200_000  # rows per executemany / COPY call (a streamed file's chunk in one): bounded memory for the text buffer


@dataclass
class Lookup:
    """A column of the staging rows filled from another table by a join, e.g. a charge's offence id."""

    column: str
    model: type[models.Model]
    on: tuple[tuple[str, str], ...]  # (staging column, column of ``model``)


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


