"""Statistics Denmark's PC-Axis files (``.px``). Pure."""

from __future__ import annotations

import bisect
import math
import re

from comparisons.dst_meta import table_meta

from .common import ParseError, Problem
from .dst_cells import (
    AREA_VARIABLES,
    SKIPPED_AREAS,
    TIME_VARIABLES,
    dim_value,
    dims_key,
    fixed_codes,
    long_frame,
    period_normalise,
    table_needed,
    value_number,
    variable_name,
)
from .police import Parsed

_PX_ENTRY = re.compile(r'([A-Z0-9-]+)(?:\[[^\]]*\])?(?:\("([^"]*)"\))?\s*=\s*(.*?);\s*(?=[A-Z0-9-]+(?:\[|\(|=)|$)',
                       re.DOTALL)
_PX_CELL = re.compile(r'"[^"]*"|[^\s;]+')


def _px_values(raw: str) -> list[str]:
    return [v.replace('""', '"') for v in re.findall(r'"((?:[^"]|"")*)"', raw)]


def px_parse(data, *, file_name, areas, table, fixed) -> Parsed:
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
    table = table_needed(table, file_name, "MATRIX mangler")
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
    return long_frame(rows, problems)
