"""Large police extracts (CSV) read in chunks: memory stays flat whatever the file's size.

Each chunk is parsed and validated like a whole file and, while the file is clean, loaded
into the staging table (COPY on PostgreSQL). Keys repeated across chunks are found in the
staging table. Only when the whole file has passed does the set-based merge write it; a
problem anywhere raises ``Rejected`` inside the import's transaction, so nothing is stored.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from districts.models import Municipality
from importers.models import ImportBatch
from importers.parsers.common import (
    ParseError,
    Problem,
    csv_error_text,
    decode_bytes,
    extra_cells_check,
    sniff_separator,
)
from importers.parsers.police import charges_parse, offences_parse
from importers.parsers.tables import is_xlsx
from reports.aggregates import aggregates_refresh
from reports.models import Charge, ReportedOffence

from . import police
from .results import (
    MAX_ERRORS_SHOWN,
    Counts,
    Plan,
    frame_preview,
    months_of,
    replace_period_dates,
    window_union,
)
from .scope import UNRESTRICTED, WriteScope, rows_problems, stored_offence_problems
from .staging import StagingTable

CHUNK_ROWS = 200_000
HEAD_BYTES = 256 * 1024
STREAMED_KINDS = ("offences", "charges")


class Rejected(Exception):
    """The file has problems: nothing may be written (raised inside the transaction)."""

    def __init__(self, problems: list[Problem], total: int):
        super().__init__(f"{total} fejl")
        self.problems, self.total = problems, total


def head_read(path: Path) -> bytes:
    """The first lines of the file, cut at a line end (for recognising its kind and columns)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return head if len(head) < HEAD_BYTES else head[: head.rfind(b"\n") + 1]


def encoding_detect(path: Path, head: bytes, *, file_name: str) -> str:
    """UTF-8 when the whole file decodes as UTF-8 (checked block by block), else Windows-1252.

    A UTF-8 BOM over bytes that are not UTF-8 is Windows-1252 too (the BOM is then dropped from the
    first header); the parsers warn about the letters of the lines that were UTF-8 after all.
    """
    found = decode_bytes(head, file_name=file_name).encoding
    if found not in ("utf-8", "utf-8-sig"):
        return found
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while block := handle.read(16 * 1024 * 1024):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return found


def streamable(*, kind: str, path: Path, head: bytes) -> bool:
    return (kind in STREAMED_KINDS and path.stat().st_size > settings.IMPORT_STREAM_BYTES
            and not is_xlsx(head, path.name))


def _merged_warnings(warnings: list[str]) -> list[str]:
    """The chunks' warnings once each; "N …" warnings that differ only in N are summed."""
    totals: dict[str, int] = {}
    order: list[str] = []
    for warning in warnings:
        match = re.match(r"^(\d+) (.*)$", warning, flags=re.S)
        text, n = (match.group(2), int(match.group(1))) if match else (warning, 0)
        if text not in totals:
            order.append(text)
        totals[text] = totals.get(text, 0) + n
    return [f"{totals[t]} {t}" if totals[t] else t for t in order]


def _may_repeat(key_hashes: list) -> bool:
    """Whether some key may occur in two chunks: only then is the file read again to find it."""
    hashes = np.concatenate(key_hashes) if key_hashes else np.empty(0, dtype=np.uint64)
    return len(pd.unique(hashes)) < len(hashes)


@dataclass
class _Loaded:
    """What the chunks of a file added up to, for the merge after them."""

    columns: set[str] | None = None  # the file's canonical columns
    codes: dict[str, str] = field(default_factory=dict)  # offence code → code text
    municipality_ids: set[int] = field(default_factory=set)
    months: frozenset = frozenset()  # the months of the report and offence dates


class StreamPlan(Plan):
    """A plan whose validation happens while writing: rows, period and warnings fill in as it goes."""

    streamed = True

    def __init__(self, *, path: Path, file_name: str, kind: str, head: bytes, names: dict[str, str],
                 objects: dict[str, Municipality], default: str | None, options: dict,
                 allowed: WriteScope = UNRESTRICTED):
        self.path, self.file_name, self.kind = path, file_name, kind
        self.allowed = allowed  # whose rows the user may write (checked chunk by chunk)
        self.names, self.objects, self.default, self.options = names, objects, default, options
        self.encoding = encoding_detect(path, head, file_name=file_name)
        text = head.decode(self.encoding, errors="replace")
        self.sep = sniff_separator(text)
        if options.get("replace_period") and kind != "offences":
            raise ParseError("'Erstat periode' gælder kun for filer med anmeldelser: lad felterne stå tomme.",
                             cli="--replace-period gælder kun for filer med anmeldelser.")
        super().__init__(rows_read=0, preview=[], columns=[], problems=[], warnings=[], period=(None, None),
                         write=self._write)
        lines = max(text.count("\n") - 1, 1)  # the file's rows estimated from its size (for progress)
        self.expected_rows = round(path.stat().st_size / max(len(head) / lines, 1))
        for parsed in self._chunks(nrows=20):  # the header must be right before anything starts
            self.preview, self.columns = frame_preview(parsed.frame)
            break

    def _chunks(self, nrows: int | None = None):
        """The file's chunks, parsed. Only reading is guarded here: a bad cell is the parser's row error."""
        try:
            reader = pd.read_csv(
                self.path, sep=self.sep, encoding=self.encoding, encoding_errors="replace", dtype=str,
                keep_default_na=False, na_filter=False, skipinitialspace=True, chunksize=CHUNK_ROWS, nrows=nrows,
            )
        except (pd.errors.ParserError, ValueError) as exc:
            raise self._unreadable(exc) from exc
        with reader:
            while True:
                try:
                    chunk = next(reader)
                    extra_cells_check(chunk)
                except StopIteration:
                    return
                except ParseError as exc:
                    raise ParseError(f"Filen {self.file_name} kunne ikke læses som CSV: {exc}") from exc
                except (pd.errors.ParserError, ValueError) as exc:
                    raise self._unreadable(exc) from exc
                chunk.columns = [str(c).strip().removeprefix("\u00ef\u00bb\u00bf") for c in chunk.columns]
                yield self._parse(chunk)

    def _unreadable(self, exc: Exception) -> ParseError:
        return ParseError(f"Filen {self.file_name} kunne ikke læses som CSV: {csv_error_text(exc)}")

    def _parse(self, chunk: pd.DataFrame):
        if self.kind == "offences":
            return offences_parse(chunk, file_name=self.file_name, municipalities=self.names,
                                  default_municipality=self.default)
        return charges_parse(chunk, file_name=self.file_name, municipalities=self.names,
                             secret=police.person_key_secret(), as_of_year=timezone.localdate().year)

    def _write(self, *, batch: ImportBatch, progress: Callable[[int], None]) -> tuple[Counts, list[str]]:
        offences = self.kind == "offences"
        with police.offences_first_load(rows=self.expected_rows) if offences else nullcontext() as first_load:
            stage = first_load or self._stage()
            try:
                loaded = self._load(batch=batch, stage=stage, progress=progress, first_load=first_load is not None)
            finally:
                stage.close()
        # a first load's keys and indexes exist again here: the bookkeeping below may use them
        if first_load:
            counts, notes = police.offences_first_loaded(batch=batch, count=self.rows_read, months=loaded.months,
                                                         codes=loaded.codes)
            touched = loaded.municipality_ids
        elif offences:
            counts, notes = police.offences_merge(
                batch=batch, replace_period=replace_period_dates(self.options.get("replace_period")),
                columns=loaded.columns, codes=loaded.codes, municipality_ids=loaded.municipality_ids, stage=stage,
                rows=self.rows_read,
            )
            touched = loaded.municipality_ids | ({batch.municipality_id} if self.options.get("replace_period")
                                                 and batch.municipality_id else set())
        else:
            counts, notes = police.charges_write(rows=None, stage=stage, count=self.rows_read, batch=batch,
                                                 columns=loaded.columns)
            touched = police.charge_municipalities(batch=batch)
        aggregates_refresh(municipality_ids=touched, months=counts.months)
        return counts, notes

    def _stage(self) -> StagingTable:
        offences = self.kind == "offences"
        stage = StagingTable.for_merge(
            model=ReportedOffence if offences else Charge, key=police.OFFENCE_KEY if offences else police.CHARGE_KEY,
            fields=police.OFFENCE_FIELDS if offences else police.CHARGE_FIELDS,
            lookups=[] if offences else police.CHARGE_LOOKUPS,
        )
        stage.create()
        return stage

    def _load(self, *, batch: ImportBatch, stage: StagingTable, progress: Callable[[int], None],
              first_load: bool) -> _Loaded:
        """Every chunk validated and, while the file is clean, loaded into ``stage``; ``Rejected``
        when a row has a problem or a key repeats."""
        offences = self.kind == "offences"
        key = police.OFFENCE_KEY if offences else police.CHARGE_KEY
        problems: list[Problem] = []
        total_problems, warnings = 0, []
        loaded = _Loaded()
        period: tuple = (None, None)  # the first and last report date
        locators: dict = {}  # municipality code → DistrictLocator, built once per file
        key_hashes: list = []  # a 64-bit hash of each row's key: do keys repeat across chunks?
        refused: IntegrityError | None = None
        for parsed in self._chunks():
            frame = parsed.frame
            self.rows_read += len(frame)
            loaded.columns = set(frame.attrs.get("columns_in_file", frame.columns))
            warnings += parsed.warnings
            found = parsed.problems + self._scope_problems(frame)
            if found:
                total_problems += len(found)
                problems += found[: max(MAX_ERRORS_SHOWN - len(problems), 0)]
            if total_problems:  # keep validating, stop writing
                continue
            stage.finish()  # the previous chunk's COPY ran while this one was read and checked
            if offences:
                rows, notes = police.offences_rows(frame, municipalities=self.objects, locators=locators)
                reported = _span(rows["report_date"])
                period = window_union(period, reported)
                loaded.months |= months_of(pd.unique(rows["report_date"])) | months_of(pd.unique(rows["offence_date"]))
                loaded.codes |= {c: t for c, t in police.offence_codes(rows).items() if t or c not in loaded.codes}
                loaded.municipality_ids |= set(rows["municipality_id"].dropna().astype(int).tolist())
            else:
                rows, notes = police.charges_rows(frame, municipalities=self.objects)
            warnings += notes
            key_hashes.append(_key_hashes(rows, key))
            if first_load:
                rows["batch_id"] = batch.pk
            if refused is None:
                try:
                    stage.load(rows, progress, wait=False)
                except IntegrityError as exc:  # SQLite keeps the natural key during a first load
                    refused = exc  # a key repeated in the file, found below: keep validating, stop writing
        stage.finish()
        self.warnings = _merged_warnings(warnings)
        self.period = period
        if not total_problems and _may_repeat(key_hashes):
            problems = self._repeated_keys(key_hashes, key)
            total_problems = len(problems)
        if total_problems:
            raise Rejected(problems, total_problems)
        if refused is not None:
            raise refused
        return loaded

    def _scope_problems(self, frame: pd.DataFrame) -> list[Problem]:
        """Rows the user may not write: an offence of another municipality, or a key whose stored offence
        (for a charge: the offence it belongs to) lies in one. Run in the import's transaction."""
        if not self.allowed.restricted:
            return []
        offences = self.kind == "offences"
        found = rows_problems(frame, scope=self.allowed, objects=self.objects, file_name=self.file_name) if offences else []
        return found + stored_offence_problems(frame, scope=self.allowed, file_name=self.file_name, charges=not offences)

    def _repeated_keys(self, key_hashes: list, key: tuple[str, ...]) -> list[Problem]:
        """A key twice in the file (in different chunks): each later row names the first.

        The file is read again, keeping only the rows whose key hash repeats; their keys are
        compared as they are, so two keys sharing a hash are never taken for one.
        """
        hashes = np.concatenate(key_hashes)
        unique, counts = np.unique(hashes, return_counts=True)
        repeated = unique[counts > 1]
        suspects = []
        for parsed in self._chunks():  # the parsed key columns are those the first pass hashed
            rows = parsed.frame
            suspects.append(rows.loc[np.isin(_key_hashes(rows, key), repeated), [*key, "row"]])
        found = pd.concat(suspects, ignore_index=True)
        found = found[found.duplicated(list(key), keep=False)]
        first = found.groupby(list(key), sort=False)["row"].transform("min")
        later = found[found["row"] != first].assign(first=first).sort_values("row").head(MAX_ERRORS_SHOWN)
        label = "Journalnummer/Forhold" + ("" if len(key) == 2 else "/Person")
        return [Problem(int(row.row), label, " / ".join(str(getattr(row, k)) for k in key),
                        f"Samme nøgle står allerede i række {int(row.first)}")
                for row in later.itertuples(index=False)]


def _key_hashes(rows: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
    """A 64-bit hash of each row's key, computed the same way in both passes over the file."""
    return pd.util.hash_pandas_object(rows[list(key)].astype({"forhold": "int64"}), index=False).to_numpy()


def _span(dates: pd.Series) -> tuple:
    """The first and last date of a column of dates (None when it has none)."""
    present = [d for d in pd.unique(dates.dropna()) if d]
    return (min(present), max(present)) if present else (None, None)
