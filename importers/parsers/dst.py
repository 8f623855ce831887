"""Statistics Denmark files → long table. Pure (formats.md §4).

Three delivery forms: the StatBank API CSV (long, ``;``, INDHOLD), the statbank.dk website
CSV (wide, one column per period, label rows, title and footnotes) and PC-Axis ``.px``.
Output columns: row (the file's line), table, area_code, area_name, dims
(``"KØN=TOT|OVERTRÆD=1320"``), period (``2016K1``, ``2016``, ``2016M01``), value (NaN for ``..``:
missing, never 0), column and cell (where the value stands in the file and its text, for messages).
"""

from __future__ import annotations

import bisect
import csv
import io
import math
import re
import unicodedata

import pandas as pd

from comparisons.dst_meta import TableMeta, label_key, table_meta
from comparisons.dst_meta import areas as known_areas

from .common import ParseError, Problem, decode_bytes, parse_decimal
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
    lines = [_cells(line) for line in text.splitlines() if line.strip()][:6]
    if not lines:
        return False
    names = [unicodedata.normalize("NFC", c).casefold() for c in lines[0]]
    if "indhold" in names or names[0] in {"tid", "kvartal"}:
        return True
    return any(is_period_header(cells) for cells in lines)


def _cells(line: str) -> list[str]:
    sep = ";" if line.count(";") > line.count(",") else ","
    return [c.strip() for c in next(csv.reader([line], delimiter=sep), [])] or [""]


def _table_from_name(file_name: str) -> str | None:
    match = re.search(r"(FOLK\d+[A-Z]?|STRAF\d+|BEV\d+|KRHFU\d*)", file_name.upper())
    return match.group(1) if match else None


def dst_parse(data: bytes, *, file_name: str, municipalities: dict[str, str], table: str | None = None,
              fixed: dict[str, str] | None = None) -> Parsed:
    fixed = {variable_name(k): v for k, v in (fixed or {}).items()}
    areas = AreaResolver(municipalities)
    if file_name.lower().endswith(".px") or data.lstrip(b"\xef\xbb\xbf")[:16].upper().startswith(
            (b"CHARSET", b"AXIS-VERSION")):
        parsed = _px(data, file_name=file_name, areas=areas, table=table, fixed=fixed)
        parsed.warnings += areas.warnings()
        return parsed
    decoded = decode_bytes(data, file_name=file_name)
    lines = [line for line in decoded.text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if "INDHOLD" in first.upper() and ";" in first:
        parsed = _api_csv(decoded.text, file_name=file_name, areas=areas, table=table, fixed=fixed)
    elif re.match(r'^\s*"?(tid|kvartal|år)"?\s*[,;]', first, re.IGNORECASE):
        parsed = _resaved_long(decoded.text, file_name=file_name, areas=areas, table=table, fixed=fixed)
    else:
        parsed = _website_csv(decoded.text, file_name=file_name, areas=areas, table=table, fixed=fixed)
    if decoded.damaged_letters or areas.damaged:
        parsed.warnings.append(
            "Filens danske bogstaver er ødelagt (�), sandsynligvis fordi den er gemt med forkert tegnsæt. "
            f"Områdenavne er genkendt ud fra de øvrige bogstaver: {_some(sorted(areas.damaged))}."
        )
    parsed.warnings += areas.warnings()
    return parsed


def _some(names: list[str], limit: int = 40) -> str:
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


def _need_table(table: str | None, file_name: str, what: str) -> str:
    table = table or _table_from_name(file_name)
    if not table:
        said = f"Filen {file_name} siger ikke, hvilken DST-tabel den kommer fra ({what})."
        raise ParseError(f"{said} Skriv tabellen i feltet 'DST-tabel', fx STRAF11, og kontrollér filen igen.",
                         cli=f"{said} Angiv tabellen med --dst-table, fx --dst-table STRAF11.")
    return table.upper()


def _frame(rows: list[dict], problems: list[Problem], warnings: list[str] | None = None) -> Parsed:
    frame = pd.DataFrame(rows, columns=["row", "table", "area_code", "area_name", "dims", "period", "value",
                                        "column", "cell"])
    return Parsed(frame, problems, warnings or [])


def _api_csv(text, *, file_name, areas, table, fixed) -> Parsed:
    table = _need_table(table, file_name, "API-filer har ingen titel")
    meta = table_meta(table)
    fixed = fixed_codes(fixed, meta, file_name)
    reader = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = [variable_name(h) for h in reader[0]]
    try:
        area_col = next(i for i, h in enumerate(header) if h in AREA_VARIABLES)
        time_col = next(i for i, h in enumerate(header) if h in TIME_VARIABLES)
        value_col = header.index("INDHOLD")
    except StopIteration as exc:
        raise ParseError(f"Filen {file_name} mangler kolonnen OMRÅDE eller TID.") from exc
    rows, problems = [], []
    for number, cells in enumerate(reader[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        wrong_length = row_length_problem(number, cells, header, sep=";")
        if wrong_length:
            problems.append(wrong_length)
            continue
        cells = cells[:len(header)]  # without empty cells at the end
        code, name = areas.resolve(cells[area_col])
        period = period_normalise(cells[time_col])
        if areas.skip(code):
            continue
        if code is None:
            problems.append(Problem(number, "OMRÅDE", cells[area_col], "Ukendt område (kommune, region eller hele landet)"))
        if period is None:
            problems.append(Problem(number, "TID", cells[time_col], "Ukendt periode (fx 2016K1 eller 2016)"))
        try:
            value = value_number(cells[value_col])
        except ValueError:
            problems.append(Problem(number, "INDHOLD", cells[value_col], "Værdien er ikke et tal eller '..'"))
            value = None
        dims = {**fixed, **{header[i]: dim_value(c, header[i], meta) for i, c in enumerate(cells)
                            if i not in (area_col, time_col, value_col)}}
        rows.append({"row": number, "table": table, "area_code": code, "area_name": name, "dims": dims_key(dims),
                     "period": period, "value": value, "column": "INDHOLD", "cell": cells[value_col]})
    return _frame(rows, problems)


def _resaved_long(text, *, file_name, areas, table, fixed) -> Parsed:
    """FOLK1A as re-saved by a third party: ``tid,område,Folketal den 1. i kvartalet``."""
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = list(csv.reader(io.StringIO(text), delimiter=sep))
    header = reader[0]
    subject = header[-1].strip().casefold()
    table = (table or _table_from_name(file_name)
             or next((t for title, t in KNOWN_TITLES.items() if subject.startswith(title)), None))
    table = _need_table(table, file_name, "kolonnen med tallene har ingen kendt titel")
    meta = table_meta(table)
    fixed = fixed_codes(fixed, meta, file_name)
    names = [variable_name(h) for h in header[:-1]]
    rows, problems = [], []
    for number, cells in enumerate(reader[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        wrong_length = row_length_problem(number, cells, header, sep=sep)
        if wrong_length:
            problems.append(wrong_length)
            continue
        cells = cells[:len(header)]  # without empty cells at the end
        values = dict(zip(names, cells[:-1], strict=False))
        area_cell = next((values[n] for n in names if n in AREA_VARIABLES), "")
        time_cell = next((values[n] for n in names if n in TIME_VARIABLES), "")
        code, name = areas.resolve(area_cell)
        period = period_normalise(time_cell)
        if areas.skip(code):
            continue  # counted by DST, but part of no municipality
        if code is None:
            problems.append(Problem(number, "område", area_cell, "Ukendt område"))
        if period is None:
            problems.append(Problem(number, "tid", time_cell, "Ukendt periode"))
        value_cell = cells[len(header) - 1]
        try:
            value = value_number(value_cell)
        except ValueError:
            problems.append(Problem(number, header[-1], value_cell, "Værdien er ikke et tal"))
            value = None
        dims = {**fixed, **{n: dim_value(v, n, meta) for n, v in values.items()
                            if n not in AREA_VARIABLES and n not in TIME_VARIABLES}}
        rows.append({"row": number, "table": table, "area_code": code, "area_name": name, "dims": dims_key(dims),
                     "period": period, "value": value, "column": header[-1], "cell": value_cell})
    return _frame(rows, problems)


def _website_csv(text, *, file_name, areas, table, fixed) -> Parsed:
    records = csv.reader(io.StringIO(text))
    lines_rows = [(records.line_num, r) for r in records if any(c.strip() for c in r)]  # the file's line numbers
    line_of = [line for line, _r in lines_rows]
    reader = [r for _line, r in lines_rows]
    header_index = next((i for i, r in enumerate(reader) if len(r) > 2 and any(period_normalise(c) for c in r)), None)
    if header_index is None:
        raise ParseError(f"Filen {file_name} ligner ikke en DST-fil: der er ingen kolonner med perioder (fx 2016).")
    title = reader[0][0].strip() if header_index > 0 and len(reader[0]) == 1 else ""
    header = list(reader[header_index])
    while not header[-1].strip():
        header.pop()  # empty cells after the last period
    n_labels = next(i for i, c in enumerate(header) if period_normalise(c))
    periods = [period_normalise(c) for c in header[n_labels:]]
    if None in periods:
        cell = header[n_labels + periods.index(None)]
        raise ParseError(f"Filen {file_name}, række {line_of[header_index]}: overskriften har '{cell.strip()}' mellem "
                         "periodekolonnerne; efter områdets etiketter må der kun stå perioder (fx 2016K1 eller 2016).")
    variables: list[str] = []
    if title:
        match = re.search(r"efter (.+?)(?: og tid)?$", title)
        if match:
            variables = [variable_name(v) for v in re.split(r",\s*|\s+og\s+", match.group(1)) if v and v != "tid"]
        table = table or _table_from_name(file_name) or next(
            (t for known, t in KNOWN_TITLES.items() if title.casefold().startswith(known)), None)
    if not title and not table:
        said = f"Filen {file_name} mangler titellinjen, så tabel og variable kan ikke ses."
        raise ParseError(
            f"{said} Skriv tabellen i feltet 'DST-tabel' (fx STRAF11) og de faste værdier i feltet "
            "'DST faste værdier' (fx OVERTRÆD=TOT), og kontrollér filen igen.",
            cli=f"{said} Angiv tabellen med --dst-table (fx STRAF11) og faste værdier med --dst-fixed "
                "(fx OVERTRÆD=TOT).")
    table = _need_table(table, file_name, "titellinjen nævner ikke tabellen")
    meta = table_meta(table)
    fixed = fixed_codes(fixed, meta, file_name)
    if not variables and meta:
        variables = meta.label_variables  # a file without its title: the table's own variables
    data_rows = reader[header_index + 1:]
    levels = n_labels
    column_vars = _label_columns(variables, fixed=fixed, levels=levels, file_name=file_name,
                                 used=_used_label_columns(data_rows, levels, len(periods)))
    area_var: str = next((v for v in column_vars if v and v in AREA_VARIABLES), column_vars[-1] or "OMRÅDE")
    missing = [v for v in column_vars if v and v not in fixed]
    label_rows_seen: set[int] = set()
    current: dict[int, str] = {}
    rows, problems = [], []
    # the header's period cells name the value columns; label columns are named by their variable
    columns = [(column_vars[i] or f"kolonne {i + 1}") if i < levels else str(c).strip() for i, c in enumerate(header)]
    for number, r in zip(line_of[header_index + 1:], data_rows, strict=True):
        if _is_label_row(r, levels, len(periods)):
            # a label row (" ","Mænd") or a footnote
            position = next((i for i, c in enumerate(r) if c.strip()), None)
            if position is None or position >= levels or len(r) > levels:
                continue
            current[position] = r[position].strip()
            label_rows_seen.add(position)
            for deeper in list(current):
                if deeper > position:
                    del current[deeper]
            continue
        wrong_length = row_length_problem(number, r, columns, sep=",")
        if wrong_length:
            problems.append(wrong_length)
            continue
        r = r[:len(columns)]  # without empty cells at the end
        for i, cell in enumerate(r[:n_labels]):
            if cell.strip():
                current[i] = cell.strip()
        values: dict[str, str] = {v: current.get(i, "") for i, v in enumerate(column_vars) if v}
        absent = [v for v in missing if not values.get(v)]
        if absent:
            said = (f"Filen {file_name} mangler etiketten for variablen {', '.join(absent)} "
                    "(der var kun valgt én værdi).")
            raise ParseError(f"{said} Skriv den i feltet 'DST faste værdier', fx {absent[0]}=TOT, og kontrollér "
                             "filen igen.", cli=f"{said} Angiv den med --dst-fixed, fx --dst-fixed {absent[0]}=TOT.")
        code, name = areas.resolve(values[area_var])
        if areas.skip(code):
            continue
        if code is None:
            problems.append(Problem(number, area_var, values[area_var], "Ukendt område"))
        dims = {**fixed, **{k: dim_value(v, k, meta) for k, v in values.items() if k != area_var and v}}
        for period, cell in zip(periods, r[n_labels:], strict=False):
            try:
                value = value_number(cell)
            except ValueError:
                problems.append(Problem(number, str(period), cell, "Værdien er ikke et tal eller '..'"))
                value = None
            rows.append({"row": number, "table": table, "area_code": code, "area_name": name,
                         "dims": dims_key(dims), "period": period, "value": value, "column": str(period),
                         "cell": cell})
    return _frame(rows, problems)


def _is_label_row(r: list[str], levels: int, n_periods: int) -> bool:
    """A row of a website CSV without values: a label of its own (" ","Mænd"), a footnote, a blank line."""
    return len(r) < levels + n_periods and (len(r) <= levels or not any(parse_ok(c) for c in r[levels:]))


def _used_label_columns(rows: list[list[str]], levels: int, n_periods: int) -> list[bool]:
    """Which label columns hold a label anywhere above the last row of values (footnotes come after it)."""
    last = max((i for i, r in enumerate(rows) if not _is_label_row(r, levels, n_periods)), default=-1)
    return [any(i < len(r) and r[i].strip() for r in rows[:last + 1]) for i in range(levels)]


def _label_columns(variables: list[str], *, fixed: dict[str, str], levels: int, used: list[bool],
                   file_name: str) -> list[str | None]:
    """The variable of each label column (None: a column left blank throughout, for a fixed variable).

    The title (or the table's metadata) names the variables; a variable that had one value selected may
    have no label column, or a blank one: the remaining variables then take the columns that hold labels,
    in order, and the fixed ones come from ``--dst-fixed``.
    """
    if not variables:
        return [*(f"VAR{i}" for i in range(levels - 1)), "OMRÅDE"]
    if len(variables) == levels and all(used):
        return [*variables]
    open_vars = [v for v in variables if v not in fixed]
    used_columns = [i for i in range(levels) if used[i]]
    if len(open_vars) == len(used_columns):
        result: list[str | None] = [None] * levels
        for i, variable in zip(used_columns, open_vars, strict=True):
            result[i] = variable
        return result
    if len(open_vars) > len(used_columns):
        absent = [v for v in open_vars if v not in AREA_VARIABLES][:len(open_vars) - len(used_columns)] or open_vars
        raise ParseError(
            f"Filen {file_name} mangler etiketten for variablen {', '.join(absent)} (der var kun valgt én værdi). "
            f"Angiv den med --dst-fixed, fx --dst-fixed {absent[0]}=TOT."
        )
    if len(variables) == levels:
        return [*variables]
    padded: list[str | None] = [*variables, *(f"VAR{i}" for i in range(len(variables), levels))]
    return padded[:levels]


def parse_ok(cell: str) -> bool:
    try:
        return value_number(cell) is not None or cell.strip() in ("..", ".", "-")
    except ValueError:
        return False


_PX_ENTRY = re.compile(r'([A-Z0-9-]+)(?:\[[^\]]*\])?(?:\("([^"]*)"\))?\s*=\s*(.*?);\s*(?=[A-Z0-9-]+(?:\[|\(|=)|$)',
                       re.DOTALL)
_PX_CELL = re.compile(r'"[^"]*"|[^\s;]+')


def _px_values(raw: str) -> list[str]:
    return [v.replace('""', '"') for v in re.findall(r'"((?:[^"]|"")*)"', raw)]


def _px(data, *, file_name, areas, table, fixed) -> Parsed:
    head = data[:4096].decode("latin-1")
    codepage = re.search(r'CODEPAGE\s*=\s*"([^"]+)"', head)
    encoding = codepage.group(1) if codepage else "iso-8859-1"
    if re.search(r'CHARSET\s*=\s*"ANSI"', head) and not codepage:
        encoding = "cp1252"
    try:
        text = data.decode(encoding.replace("utf8", "utf-8"))
    except (LookupError, UnicodeDecodeError) as exc:
        raise ParseError(f"PC-Axis-filen {file_name} kan ikke læses med tegnsættet {encoding}.") from exc
    text = text.lstrip("\ufeff")
    data_at = text.find("DATA=")
    if data_at < 0:
        raise ParseError(f"PC-Axis-filen {file_name} har ingen DATA-del.")
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(position: int) -> int:
        return bisect.bisect_right(newlines, position) + 1

    meta: dict[tuple[str, str | None], str] = {}
    lines: dict[tuple[str, str | None], int] = {}
    for entry in _PX_ENTRY.finditer(text[:data_at]):
        key, arg, value = entry.groups()
        meta[(key, arg or None)] = value
        lines[(key, arg or None)] = line_of(entry.start())
    stub = _px_values(meta.get(("STUB", None), ""))
    heading = _px_values(meta.get(("HEADING", None), ""))
    if not stub and not heading:
        raise ParseError(f"PC-Axis-filen {file_name} mangler STUB og HEADING.")
    matrix = meta.get(("MATRIX", None), "")
    table = table or next(iter(_px_values(matrix) or [matrix.strip()]), "") or None
    table = _need_table(table, file_name, "MATRIX mangler")
    table_info = table_meta(table)
    fixed = fixed_codes(fixed, table_info, file_name)
    variables = stub + heading
    names = {v: variable_name(v) for v in variables}
    area_var = next((v for v in variables if names[v] in AREA_VARIABLES), None)
    time_var = next((v for v in variables if names[v] in TIME_VARIABLES), None)
    if area_var is None or time_var is None:
        raise ParseError(f"PC-Axis-filen {file_name} har ingen område- eller tidsvariabel i STUB og HEADING.")
    values = {v: _px_values(meta.get(("VALUES", v), "")) for v in variables}
    codes = {v: _px_values(meta.get(("CODES", v), "")) or values[v] for v in variables}
    for v in variables:
        if not values[v]:
            raise ParseError(f'PC-Axis-filen {file_name} mangler VALUES("{v}") for variablen {v} i STUB/HEADING.')
        if len(codes[v]) != len(values[v]):
            raise ParseError(
                f'PC-Axis-filen {file_name}, linje {lines[("CODES", v)]}: CODES("{v}") har {len(codes[v])} koder, '
                f'men VALUES("{v}") (linje {lines[("VALUES", v)]}) har {len(values[v])} værdier. Der skal være én '
                "kode for hver værdi."
            )
    data_line = line_of(data_at)
    cells = [(data_line + number, match.group()) for number, line in enumerate(text[data_at + 5:].split(";")[0]
                                                                               .split("\n"))
             for match in _PX_CELL.finditer(line)]
    expected = math.prod(len(values[v]) for v in variables)
    if len(cells) != expected:
        raise ParseError(f"PC-Axis-filen {file_name} har {len(cells)} tal i DATA, men variablene giver {expected}.")
    problems: list[Problem] = []

    def keyword(v: str) -> tuple[str, int | None]:
        """Where a variable's values are read from: CODES("v") when given, else VALUES("v"), and its line."""
        key = ("CODES", v) if ("CODES", v) in meta else ("VALUES", v)
        return f'{key[0]}("{v}")', lines.get(key)

    # the area and time of each value of their variables, checked once (not once per cell)
    area_of: list[tuple[str | None, str] | None] = []
    for area_code, area_label in zip(codes[area_var], values[area_var], strict=True):
        code, name = areas.resolve(area_code if area_code.isdigit() else area_label)
        if code in SKIPPED_AREAS:
            area_of.append(None)  # skipped; counted per cell below
            continue
        if code is None:
            where, line = keyword(area_var)
            problems.append(Problem(line, where, area_code,
                                    "Ukendt område" + (f" ({area_label})" if area_code != area_label else "")))
        area_of.append((code, name or area_label))
    period_of: list[str | None] = []
    for period_code in codes[time_var]:
        period = period_normalise(period_code)
        if period is None:
            where, line = keyword(time_var)
            problems.append(Problem(line, where, period_code, "Ukendt periode (fx 2016K1 eller 2016)"))
        period_of.append(period)
    rows = []
    index = [0] * len(variables)
    for position, (line, cell) in enumerate(cells):
        rest = position
        for i in range(len(variables) - 1, -1, -1):
            size = len(values[variables[i]])
            index[i] = rest % size
            rest //= size
        picked = dict(zip(variables, index, strict=True))
        area = area_of[picked[area_var]]
        if area is None:
            areas.skip(areas.resolve(codes[area_var][picked[area_var]])[0])
            continue
        text_value = cell.strip('"')
        try:
            value = value_number(text_value)
        except ValueError:
            where = ", ".join(values[v][picked[v]] for v in variables)
            problems.append(Problem(line, "DATA", text_value, f"Værdien er ikke et tal eller '..' (cellen for {where})"))
            value = None
        dims = {**fixed, **{names[v]: dim_value(codes[v][picked[v]], names[v], table_info) for v in variables
                            if v not in (area_var, time_var)}}
        rows.append({"row": line, "table": table, "area_code": area[0], "area_name": area[1],
                     "dims": dims_key(dims), "period": period_of[picked[time_var]], "value": value,
                     "column": "DATA", "cell": text_value})
    return _frame(rows, problems)
