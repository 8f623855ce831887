"""Shared pieces of the pure parsers: bytes → text → table, header matching, Danish values.

No ORM here (style.md): parsers take bytes and return DataFrames plus problems. They may read the
models' field metadata (``field_max_length``, ``field_integer_range``), never query.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from common.formatting import number


class ParseError(ValueError):
    """A file that cannot be read at all (wrong format, empty, …). Message in Danish.

    The message speaks of the upload form's fields; ``cli`` is the same advice for the command line
    (``import_file``'s options), where they differ.
    """

    def __init__(self, message: str, *, cli: str | None = None):
        super().__init__(message)
        self.cli = cli or message


@dataclass
class Problem:
    """One bad cell or row. ``row`` is the 1-based line number as the user sees it."""

    row: int | None
    column: str
    value: str
    reason: str
    severity: str = "error"  # or "warning"
    cli_reason: str | None = None  # the reason for the command line, where it names options instead of form fields

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "severity": self.severity,
        }


@dataclass
class Decoded:
    text: str
    encoding: str
    damaged_letters: bool = field(default=False)
    mixed: bool = field(default=False)  # UTF-8 and Windows-1252 lines in one file, each read with its own

    @property
    def warnings(self) -> list[str]:
        """What the reader should know about the file's letters (Danish)."""
        if self.mixed:
            return [MIXED_ENCODINGS_WARNING]
        return []


MIXED_ENCODINGS_WARNING = (
    "Filen blander tegnsæt: nogle linjer er gemt som UTF-8 og andre som Windows-1252. Hver linje er læst "
    "med sit eget tegnsæt; kontrollér de danske bogstaver (æ, ø, å), og gem filen med ét tegnsæt næste gang."
)
# A UTF-8 letter outside ASCII (æ = C3 A6): in a Windows-1252 text such byte pairs hardly ever occur
_UTF8_PAIR = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")


def _lines_decoded(data: bytes) -> str:
    """Each line as UTF-8 when it is valid UTF-8, else as Windows-1252 (a file pasted together)."""
    lines = []
    for line in data.splitlines(keepends=True):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252", errors="replace"))
    return "".join(lines)


def decode_bytes(data: bytes, *, file_name: str = "") -> Decoded:
    """UTF-8 (with or without BOM) or Windows-1252; refuses binary files.

    A file that mixes the two (a UTF-8 BOM over Windows-1252 bytes, or lines of both kinds) is
    read line by line, each line with its own encoding, and says so (``mixed``).
    """
    if not data or not data.strip():
        raise ParseError(f"Filen {file_name or ''} er tom.".replace("  ", " "))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ParseError(
            f"Filen {file_name} er et Excel-/Office-dokument, ikke en tekstfil (CSV). "
            "Gem den som .xlsx eller CSV."
        )
    if b"\x00" in data[:4096]:
        raise ParseError(f"Filen {file_name} er ikke en tekstfil (den indeholder binære data).")
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        text = body.decode("utf-8")
        return Decoded(text, "utf-8-sig" if bom else "utf-8", damaged_letters="\ufffd" in text)
    except UnicodeDecodeError:
        pass
    # some lines are UTF-8, others not? (æ, ø, å in UTF-8 start with C3: a quick look before the search)
    if bom or ((b"\xc3" in body or b"\xc2" in body) and _UTF8_PAIR.search(body)):
        text = _lines_decoded(body)
        return Decoded(text, "cp1252", damaged_letters="\ufffd" in text, mixed=True)
    return Decoded(body.decode("cp1252", errors="replace"), "cp1252")


def sniff_separator(text: str) -> str:
    """``;``, ``,`` or tab, whichever splits the first lines most consistently."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_score = ";", -1.0
    for sep in (";", "\t", ","):
        counts = [len(next(csv.reader([line], delimiter=sep))) for line in lines]
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) + common / 100
        if score > best_score:
            best, best_score = sep, score
    return best


def normalise_header(name: object) -> str:
    """Case-, space-, punctuation- and accent-insensitive form of a column header.

    Danish letters fold to their ASCII spellings (æ→ae, ø→oe, å→aa) so that
    "Bopælskommune", "bopaelskommune" and "BOPÆLS KOMMUNE" meet.
    """
    text = str(name or "").strip().casefold()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "", text)


def match_columns(
    headers: list[str], aliases: dict[str, list[str]]
) -> tuple[dict[str, str], list[str]]:
    """Map canonical names to the file's headers via aliases.

    ``aliases`` maps a canonical column to its accepted spellings. Returns
    (canonical → header in the file, unmatched headers).
    """
    lookup: dict[str, str] = {}
    for canonical, names in aliases.items():
        for alias in [canonical, *names]:
            lookup.setdefault(normalise_header(alias), canonical)
    found: dict[str, str] = {}
    unmatched: list[str] = []
    for header in headers:
        match = lookup.get(normalise_header(header))
        if match and match not in found:
            found[match] = header
        else:
            unmatched.append(header)
    return found, unmatched


_DATE_FORMATS = (
    "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%y", "%d.%m.%y", "%Y%m%d",
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """Danish and ISO dates, with or without a time; Excel date cells and serial numbers.

    Returns ``None`` for an empty cell; raises ``ValueError`` (Danish text) for garbage.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, int | float):
        return _excel_serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _excel_serial(float(text))
    head, *time = re.split(r"[ T]", text, maxsplit=1)
    if time and not _time_valid(time[0].strip()):
        raise ValueError(f"'{text}' er ikke en dato med et gyldigt klokkeslæt (brug fx dd-mm-åååå tt:mm)")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, fmt).date()  # noqa: DTZ007 - a date, no zone
        except ValueError:
            continue
    raise ValueError(f"'{text}' er ikke en dato (brug dd-mm-åååå eller åååå-mm-dd)")


_TIME = re.compile(r"(?:kl\.?\s*)?([0-9]{1,2})[:.]([0-9]{2})(?:[:.]([0-9]{2})(?:[.,][0-9]+)?)?\s*(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
                   flags=re.IGNORECASE)


def _time_valid(text: str) -> bool:
    """A time of day after a date (22:30, 22.30, 22:30:05.123, 22:30+01:00); empty is fine."""
    if not text:
        return True
    match = _TIME.fullmatch(text)
    if not match:
        return False
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return hour <= 24 and minute < 60 and second < 60 and (hour < 24 or minute == second == 0)


def _excel_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2958466:
        raise ValueError(f"'{serial:g}' er ikke en dato")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def field_max_length(label: str, name: str) -> int:
    """The longest text a model field (``"app.Model"``, field name) stores. Metadata only, no query: a
    parser can refuse a value the database could not hold before anything is written."""
    return int(_field(label, name).max_length)


def field_integer_range(label: str, name: str) -> tuple[int, int]:
    """The values an integer model field holds on every supported database (the portable column range)."""
    # lazy: the parsers import no Django at module level (pure: usable without settings)
    from django.db.backends.base.operations import BaseDatabaseOperations

    low, high = BaseDatabaseOperations.integer_field_ranges[_field(label, name).get_internal_type()]
    return int(low), int(high)


def _field(label: str, name: str) -> Any:
    # lazy: the parsers import no Django at module level (pure: usable without settings)
    from django.apps import apps

    return apps.get_model(label)._meta.get_field(name)


def danish_integer(value: int | float) -> str:
    """A whole number in Danish notation (thousands dot), for messages."""
    return number(value, 0)


def parse_decimal(value: object) -> float | None:
    """Numbers with decimal comma or point and optional thousands separators; ``..`` → None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text or set(text) <= {".", "-", ":"}:
        return None
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError as exc:
        raise ValueError(f"'{value}' er ikke et tal") from exc


def read_csv_text(text: str, *, sep: str | None = None) -> pd.DataFrame:
    """A delimited text as a DataFrame of strings (nothing converted, nothing lost).

    Cells stay text so a formula-looking cell (``=cmd|…``) is kept as the text it is.
    Raises ``ParseError`` (Danish, without the file's name) when a line has more cells than
    the header or a quote is never closed.
    """
    sep = sep or sniff_separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skipinitialspace=True, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ParseError(csv_error_text(exc)) from exc
    extra_cells_check(frame)
    return frame


def extra_cells_check(frame: pd.DataFrame) -> None:
    """Refuse a table whose first data line has more cells than the header.

    pandas does not call that an error: it takes the extra leading cells as the row labels
    (a later line with too many cells is an error it reports itself).
    """
    if isinstance(frame.index, pd.RangeIndex):
        return
    header = len(frame.columns)
    raise ParseError(_too_many_cells(line=2, cells=header + frame.index.nlevels, header=header))


def _too_many_cells(*, line: int, cells: int, header: int) -> str:
    return (f"Linje {line} har {cells} felter, men overskriften har {header}. Kontrollér skilletegnene "
            "(fx et semikolon for meget) og anførselstegnene i linjen.")


def csv_error_text(exc: Exception) -> str:
    """pandas' CSV reader's complaint, in Danish, with its line number."""
    text = str(exc)
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        header, line, cells = (int(g) for g in match.groups())
        return _too_many_cells(line=line, cells=cells, header=header)
    if match := re.search(r"EOF inside string starting at row (\d+)", text):
        return (f"Et anførselstegn (\") i linje {int(match.group(1)) + 1} lukkes aldrig, så resten af filen "
                "læses som én celle. Fjern anførselstegnet, eller luk det.")
    if isinstance(exc, pd.errors.EmptyDataError):
        return "Filen har ingen overskrift og ingen rækker."
    return "Filen har en form, som CSV-læseren ikke kan følge. Kontrollér skilletegn og anførselstegn."


def repeated_headers(headers: list[str]) -> dict[str, str]:
    """The headers that repeat an earlier one → the one they repeat.

    The same name twice (after ``normalise_header``) in an Excel sheet, or the ``Name.1`` that
    pandas makes of a CSV file's second ``Name``.
    """
    seen: dict[str, str] = {}
    repeats: dict[str, str] = {}
    names = set(headers)
    for header in headers:
        base = header
        while (match := re.fullmatch(r"(.+)\.\d+", base)) and match.group(1) in names:
            base = match.group(1)
        key = normalise_header(base)
        if key in seen or base != header:
            repeats[header] = seen.get(key, base)
        else:
            seen[key] = header
    return repeats


def per_distinct(values: pd.Series, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``function`` (vectorised, Series → Series) applied to each distinct value of ``values`` once.

    Police extracts repeat the same few dates, codes, municipalities and addresses a million
    times: a step on the distinct values, spread back to the rows, costs a fraction of the same
    step on every cell and gives the same result.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    result = function(pd.Series(uniques, dtype=values.dtype))
    return pd.Series(result.array.take(codes), index=values.index, name=values.name)


def distinct_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct rows of ``frame`` (missing values count as values).

    Returns each row's number (0, 1, … in order of first appearance) and the position of
    each number's first row, so a function of the row can be computed once per distinct row.
    """
    numbers = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        numbers, _ = pd.factorize(numbers * len(uniques) + codes)  # stays below len(frame): no overflow
    first = np.unique(numbers, return_index=True)[1]
    return numbers, first


def decimal_text(value: float, places: int) -> str:
    """A number with decimal comma (Danish), for a message."""
    return number(value, places, grouping=False)


def text_short(text: str, limit: int = 80) -> str:
    """A cell's text cut to ``limit`` characters for a message."""
    return text if len(text) <= limit else text[:limit] + "…"
