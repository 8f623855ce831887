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
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.utils import timezone

from districts.models import Municipality
from importers.models import ImportBatch
from importers.parsers.common import ParseError, Problem, decode_bytes, sniff_separator
from importers.parsers.police import charges_parse, offences_parse
from reports.aggregates import aggregates_refresh
from reports.models import Charge, ReportedOffence

from . import police
from .bulk import StagingTable
from .results import MAX_ERRORS_SHOWN, Counts, Plan, frame_preview, replace_period_dates

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
    """UTF-8 when the whole file decodes as UTF-8 (checked block by block), else Windows-1252."""
    found = decode_bytes(head, file_name=file_name).encoding
    if found != "utf-8":
        return found
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while block := handle.read(16 * 1024 * 1024):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def streamable(*, kind: str, path: Path, head: bytes) -> bool:
    from importers.parsers.tables import is_xlsx

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
    """Whether some key may occur in two chunks: only then are the staged keys grouped to find it."""
    hashes = np.concatenate(key_hashes) if key_hashes else np.empty(0, dtype=np.uint64)
    return len(pd.unique(hashes)) < len(hashes)


class StreamPlan(Plan):
    """A plan whose validation happens while writing: rows, period and warnings fill in as it goes."""

    streamed = True

    def __init__(self, *, path: Path, file_name: str, kind: str, head: bytes, names: dict[str, str],
                 objects: dict[str, Municipality], default: str | None, options: dict):
        self.path, self.file_name, self.kind = path, file_name, kind
        self.names, self.objects, self.default, self.options = names, objects, default, options
        self.encoding = encoding_detect(path, head, file_name=file_name)
        text = head.decode(self.encoding, errors="replace")
        self.sep = sniff_separator(text)
        lines = max(text.count("\n") - 1, 1)
        self.expected_rows = round(path.stat().st_size / max(len(head) / lines, 1))
        if options.get("replace_period") and kind != "offences":
            raise ParseError("--replace-period gælder kun for filer med anmeldelser.")
        super().__init__(rows_read=0, preview=[], columns=[], problems=[], warnings=[], period=(None, None),
                         write=self._write)
        for parsed in self._chunks(nrows=20):  # the header must be right before anything starts
            self.preview, self.columns = frame_preview(parsed.frame)
            break

    def _chunks(self, nrows: int | None = None):
        try:
            reader = pd.read_csv(
                self.path, sep=self.sep, encoding=self.encoding, encoding_errors="replace", dtype=str,
                keep_default_na=False, na_filter=False, skipinitialspace=True, chunksize=CHUNK_ROWS, nrows=nrows,
            )
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                yield self._parse(chunk)
        except (pd.errors.ParserError, ValueError) as exc:
            raise ParseError(f"Filen {self.file_name} kunne ikke læses som CSV: {exc}") from exc

    def _parse(self, chunk: pd.DataFrame):
        if self.kind == "offences":
            return offences_parse(chunk, file_name=self.file_name, municipalities=self.names,
                                  default_municipality=self.default)
        return charges_parse(chunk, file_name=self.file_name, municipalities=self.names,
                             secret=settings.PERSON_KEY_SECRET, as_of_year=timezone.localdate().year)

    def _write(self, *, batch: ImportBatch, progress: Callable[[int], None]) -> tuple[Counts, list[str]]:
        offences = self.kind == "offences"
        model = ReportedOffence if offences else Charge
        key = police.OFFENCE_KEY if offences else police.CHARGE_KEY
        fields = police.OFFENCE_FIELDS if offences else police.CHARGE_FIELDS
        lookups = [] if offences else police.CHARGE_LOOKUPS
        stage = StagingTable.for_merge(model=model, key=key, fields=fields, lookups=lookups, extra={"row": "integer"})
        stage.create()
        problems: list[Problem] = []
        total_problems, warnings = 0, []
        codes: dict[str, str] = {}
        municipality_ids: set[int] = set()
        first, last = None, None
        columns: set[str] | None = None
        locators: dict = {}  # municipality code → DistrictLocator, built once per file
        key_hashes: list = []  # a 64-bit hash of each row's key: do keys repeat across chunks?
        for parsed in self._chunks():
            frame = parsed.frame
            self.rows_read += len(frame)
            columns = set(frame.attrs.get("columns_in_file", frame.columns))
            warnings += parsed.warnings
            if parsed.problems:
                total_problems += len(parsed.problems)
                problems += parsed.problems[: max(MAX_ERRORS_SHOWN - len(problems), 0)]
            if total_problems:  # keep validating, stop writing
                continue
            if offences:
                rows, notes = police.offences_rows(frame, municipalities=self.objects, locators=locators)
                dates = [d for d in frame["report_date"].unique() if d]
                first = min([d for d in (first, *dates) if d], default=None)
                last = max([d for d in (last, *dates) if d], default=None)
                codes |= {c: t for c, t in police.offence_codes(rows).items() if t or c not in codes}
                municipality_ids |= set(rows["municipality_id"].dropna().astype(int).tolist())
            else:
                rows, notes = police.charges_rows(frame, municipalities=self.objects)
            warnings += notes
            rows["row"] = frame["row"].to_numpy()
            key_hashes.append(pd.util.hash_pandas_object(rows[list(key)], index=False).to_numpy())
            stage.load(rows, progress)
        self.warnings = _merged_warnings(warnings)
        self.period = (first, last)
        if not total_problems and _may_repeat(key_hashes):
            problems = self._repeated_keys(stage, key)
            total_problems = len(problems)
        if total_problems:
            raise Rejected(problems, total_problems)
        if offences:
            counts, notes = police.offences_merge(
                batch=batch, replace_period=replace_period_dates(self.options.get("replace_period")), columns=columns,
                codes=codes, municipality_ids=municipality_ids, stage=stage, rows=self.rows_read,
            )
            touched = municipality_ids | ({batch.municipality_id} if self.options.get("replace_period")
                                          and batch.municipality_id else set())
        else:
            counts, notes = police.charges_write(rows=None, stage=stage, count=self.rows_read, batch=batch,
                                                 columns=columns)
            touched = police.charge_municipalities(batch=batch)
        aggregates_refresh(municipality_ids=touched, window=counts.window)
        return counts, notes

    def _repeated_keys(self, stage: StagingTable, key: tuple[str, ...]) -> list[Problem]:
        """A key twice in the file (in different chunks): each later row names the first."""
        q = connection.ops.quote_name
        columns = ", ".join(q(k) for k in key)
        label = "Journalnummer/Forhold" + ("" if len(key) == 2 else "/Person")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, MIN(row), MAX(row) FROM {stage.name} GROUP BY {columns} "
                f"HAVING COUNT(*) > 1 ORDER BY MIN(row) LIMIT {MAX_ERRORS_SHOWN}"
            )
            return [Problem(int(last), label, " / ".join(map(str, values)), f"Samme nøgle står allerede i række {first}")
                    for *values, first, last in cursor.fetchall()]
