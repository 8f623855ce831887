"""The cells of a Statistics Denmark file: variables, periods, areas, values, and the long table they make. Pure."""

from __future__ import annotations

import csv
import math
import re
import unicodedata

import pandas as pd

from comparisons.dst_meta import TableMeta, label_key
from comparisons.dst_meta import areas as known_areas

from .common import ParseError, Problem, parse_decimal
from .police import Parsed

AREA_VARIABLES = {"OMRÅDE", "OMRÅDE1", "KOMMUNE", "BOPÆL", "GERNINGSSTED"}
TIME_VARIABLES = {"TID", "ÅR", "KVARTAL"}
VARIABLE_LABELS = {
    "område": "OMRÅDE", "tid": "TID", "køn": "KØN", "alder": "ALDER", "civilstand": "CIVILSTAND",
    "overtrædelsens art": "OVERTRÆD", "overtrædelse": "OVERTRÆD", "bevægelsesart": "BEVÆGELSE",
    "type": "TYPE", "enhed": "ENHED",
}
KNOWN_TITLES = {  # website CSVs name the subject, not the table id
    "befolkningens udvikling": "BEV22",
    "folketal den 1. i kvartalet": "FOLK1A",
    "anmeldte forbrydelser": "STRAF11",
    "anmeldte og sigtede": "STRAF22",
}
# The areas beside the municipalities (fixtures/dst/meta/areas.csv): the country and the regions are
# stored as what they are; Christiansø (411) and "uoplyst" (998) are known but no municipality: their rows
# are skipped with a warning that names them, never a reason to refuse a file.
SPECIAL_AREAS = {label_key(name): area.code for area in known_areas().values()
                 for name in (area.name, *area.other_names)}
SKIPPED_AREAS = {code for code, area in known_areas().items() if area.kind == "skipped"}
SEX_LABELS = {"mænd": "1", "kvinder": "2", "i alt": "TOT", "køn i alt": "TOT"}
# DST's oldest series start in the 18th century (the 1769 census) and its projections run a few
# decades ahead; a "year" outside this span is a code or a typo (0000, 9999 would also overflow
# the period's dates).
PERIOD_YEARS = range(1700, 2200)
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:([KQ])\s*([1-4])|M\s*(\d{2}))?\s*$", re.IGNORECASE)
_CODE_LABEL = re.compile(r"^\s*([0-9A-ZÆØÅ_]{1,8})\s+(\S.*)$")


def variable_name(label: str) -> str:
    text = str(label).strip()
    return VARIABLE_LABELS.get(text.casefold(), text.upper().replace(" ", ""))


def period_normalise(text: str) -> str | None:
    match = _PERIOD.match(str(text))
    if not match:
        return None
    year, quarter_letter, quarter, month = match.groups()
    if int(year) not in PERIOD_YEARS or (month and not 1 <= int(month) <= 12):
        return None
    if quarter:
        return f"{year}K{quarter}"
    if month:
        return f"{year}M{month}"
    return year


class AreaResolver:
    """Area cells ("165", "165 Albertslund", "Albertslund", "K�benhavn") → DST code."""

    def __init__(self, municipalities: dict[str, str]):
        self.by_code = dict(municipalities)
        self.by_name = {self._key(name): code for code, name in municipalities.items()}
        self.by_name.update({self._key(k): v for k, v in SPECIAL_AREAS.items()})
        self.damaged: set[str] = set()
        self.skipped: dict[str, int] = {}  # area code → rows skipped

    def skip(self, code: str | None) -> bool:
        """Whether rows of this area are left out (Christiansø, "uoplyst"); counts them for the warning."""
        if code in SKIPPED_AREAS:
            self.skipped[code] = self.skipped.get(code, 0) + 1
            return True
        return False

    def warnings(self) -> list[str]:
        return [f"{known_areas()[code].name} ({code}) er ikke en kommune; {n} "
                f"{'række' if n == 1 else 'rækker'} med området er sprunget over."
                for code, n in sorted(self.skipped.items())]

    @staticmethod
    def _key(name: str) -> str:
        return label_key(name)

    def resolve(self, cell: str) -> tuple[str | None, str]:
        text = str(cell).strip()
        match = _CODE_LABEL.match(text)
        if text.isdigit():
            code = text.zfill(3)
            return (code if code in self.by_code or code in known_areas() else None), self.by_code.get(code, text)
        if match and match.group(1).isdigit():
            code = match.group(1).zfill(3)
            return (code if code in self.by_code or code in known_areas() else None), match.group(2)
        key = self._key(text)
        if key in self.by_name:
            return self.by_name[key], text
        if "\ufffd" in text or "?" in text:
            pattern = re.compile("^" + re.escape(key).replace("\ufffd", ".").replace(r"\?", ".") + "$")
            hits = {code for name, code in self.by_name.items() if pattern.match(name)}
            if len(hits) == 1:
                self.damaged.add(text)
                code = hits.pop()
                return code, self.by_code.get(code, known_areas()[code].name if code in known_areas() else text)
        return None, text


def dim_value(cell: str, variable: str, meta: TableMeta | None = None) -> str:
    """Codes are kept; "1320 Indbrud i beboelser" → "1320"; labels → the table's codes (its metadata)."""
    text = str(cell).strip()
    code = meta.code_of(variable, text) if meta else None
    if code is not None:
        return code
    match = _CODE_LABEL.match(text)
    if match and (match.group(1).isdigit() or match.group(1) in {"TOT", "IALT", "ANM", "SIG"}):
        return match.group(1)
    if variable == "KØN" and text.casefold() in SEX_LABELS:
        return SEX_LABELS[text.casefold()]
    if variable == "ALDER" and text.casefold() in {"alder i alt", "i alt"}:
        return "IALT"
    if text.casefold() in {"i alt", "alle", "total"}:
        return "TOT"
    return text


def dims_key(values: dict[str, str]) -> str:
    return "|".join(f"{k}={values[k]}" for k in sorted(values))


def value_number(cell: object) -> float | None:
    """A DST value: a number, or None for DST's placeholders (``..``, ``.``, ``-``, empty).

    Like ``parse_decimal`` but "inf", "nan" and numbers too large for a float are not numbers:
    raises ``ValueError``.
    """
    value = parse_decimal(cell)
    if value is not None and not math.isfinite(value):
        raise ValueError(f"'{cell}' er ikke et tal")
    return value


def row_length_problem(number: int, cells: list[str], columns: list[str], *, sep: str) -> Problem | None:
    """A data row with fewer or more values than its header has columns (empty cells at the end count as none)."""
    filled = len(cells)
    while filled > len(columns) and not cells[filled - 1].strip():
        filled -= 1
    if filled < len(columns):
        missing = [c.strip() or f"kolonne {i + 1}" for i, c in enumerate(columns) if i >= filled]
        return Problem(number, missing[0], "", f"Rækken har kun {filled} værdier, men overskriften har "
                       f"{len(columns)} kolonner ({', '.join(missing)} mangler)")
    if filled > len(columns):
        extra = filled - len(columns)
        return Problem(number, "", sep.join(cells[len(columns):filled]), f"Rækken har {filled} værdier, men "
                       f"overskriften har kun {len(columns)} kolonner; "
                       + ("den sidste værdi har" if extra == 1 else f"de sidste {extra} værdier har") + " ingen kolonne")
    return None


def is_period_header(cells: list[str]) -> bool:
    """The header of a statbank.dk website CSV: label columns, then only periods (at least two).

    The label columns are blank (``" "``) or words; a data row of another file that merely holds
    two 4-digit numbers (a postcode and a birth year) has numbers, dates or codes beside them.
    """
    cells = [c.strip().strip('"').strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    first = next((i for i, c in enumerate(cells) if period_normalise(c)), None)
    if first is None or len(cells) - first < 2:
        return False
    labels, periods = cells[:first], cells[first:]
    return all(period_normalise(c) for c in periods) and not any(re.search(r"\d", c) for c in labels)


def looks_like_dst(text: str) -> bool:
    """A DST file by its first lines: an API CSV (an ``INDHOLD`` column), a long layout starting with
    ``tid``/``kvartal``, or a website CSV (a header of periods near the top, see ``is_period_header``)."""
    lines = [line_cells(line) for line in text.splitlines() if line.strip()][:6]
    if not lines:
        return False
    names = [unicodedata.normalize("NFC", c).casefold() for c in lines[0]]
    if "indhold" in names or names[0] in {"tid", "kvartal"}:
        return True
    return any(is_period_header(cells) for cells in lines)


def line_cells(line: str) -> list[str]:
    sep = ";" if line.count(";") > line.count(",") else ","
    return [c.strip() for c in next(csv.reader([line], delimiter=sep), [])] or [""]


def table_from_name(file_name: str) -> str | None:
    match = re.search(r"(FOLK\d+[A-Z]?|STRAF\d+|BEV\d+|KRHFU\d*)", file_name.upper())
    return match.group(1) if match else None


def some_names(names: list[str], limit: int = 40) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" og {len(names) - limit} flere" if len(names) > limit else "")


def fixed_codes(fixed: dict[str, str], meta: TableMeta | None, file_name: str) -> dict[str, str]:
    """``--dst-fixed OVERTRÆD=TOT`` (or the label, "Overtrædelser i alt") → the variable's code.

    A variable the table does not have is refused: its rows would be stored under a key nothing reads.
    """
    if meta is None:
        return dict(fixed)
    result = {}
    for variable, value in fixed.items():
        if variable not in meta.variables:
            raise ParseError(
                f"Tabellen {meta.table} har ingen variabel {variable} (--dst-fixed i filen {file_name}); "
                f"dens variable er {', '.join(meta.label_variables)}.")
        result[variable] = meta.code_of(variable, value) or str(value).strip()
    return result


def table_needed(table: str | None, file_name: str, what: str) -> str:
    table = table or table_from_name(file_name)
    if not table:
        said = f"Filen {file_name} siger ikke, hvilken DST-tabel den kommer fra ({what})."
        raise ParseError(f"{said} Skriv tabellen i feltet 'DST-tabel', fx STRAF11, og kontrollér filen igen.",
                         cli=f"{said} Angiv tabellen med --dst-table, fx --dst-table STRAF11.")
    return table.upper()


def long_frame(rows: list[dict], problems: list[Problem], warnings: list[str] | None = None) -> Parsed:
    frame = pd.DataFrame(rows, columns=["row", "table", "area_code", "area_name", "dims", "period", "value",
                                        "column", "cell"])
    return Parsed(frame, problems, warnings or [])


def parse_ok(cell: str) -> bool:
    try:
        return value_number(cell) is not None or cell.strip() in ("..", ".", "-")
    except ValueError:
        return False
