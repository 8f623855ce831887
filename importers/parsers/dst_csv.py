"""Statistics Denmark's CSV forms: the StatBank API CSV (long, INDHOLD), a re-saved long table and the
statbank.dk website CSV (wide, one column per period, with label rows, title and footnotes). Pure."""

from __future__ import annotations

import csv
import io
import re

from comparisons.dst_meta import table_meta

from .common import ParseError, Problem
from .dst_cells import (
    AREA_VARIABLES,
    KNOWN_TITLES,
    TIME_VARIABLES,
    dim_value,
    dims_key,
    fixed_codes,
    long_frame,
    parse_ok,
    period_normalise,
    row_length_problem,
    table_from_name,
    table_needed,
    value_number,
    variable_name,
)
from .police import Parsed


def api_csv_parse(text, *, file_name, areas, table, fixed) -> Parsed:
    table = table_needed(table, file_name, "API-filer har ingen titel")
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
    return long_frame(rows, problems)


def resaved_long_parse(text, *, file_name, areas, table, fixed) -> Parsed:
    """FOLK1A as re-saved by a third party: ``tid,område,Folketal den 1. i kvartalet``."""
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = list(csv.reader(io.StringIO(text), delimiter=sep))
    header = reader[0]
    subject = header[-1].strip().casefold()
    table = (table or table_from_name(file_name)
             or next((t for title, t in KNOWN_TITLES.items() if subject.startswith(title)), None))
    table = table_needed(table, file_name, "kolonnen med tallene har ingen kendt titel")
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
    return long_frame(rows, problems)


def website_csv_parse(text, *, file_name, areas, table, fixed) -> Parsed:
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
        table = table or table_from_name(file_name) or next(
            (t for known, t in KNOWN_TITLES.items() if title.casefold().startswith(known)), None)
    if not title and not table:
        said = f"Filen {file_name} mangler titellinjen, så tabel og variable kan ikke ses."
        raise ParseError(
            f"{said} Skriv tabellen i feltet 'DST-tabel' (fx STRAF11) og de faste værdier i feltet "
            "'DST faste værdier' (fx OVERTRÆD=TOT), og kontrollér filen igen.",
            cli=f"{said} Angiv tabellen med --dst-table (fx STRAF11) og faste værdier med --dst-fixed "
                "(fx OVERTRÆD=TOT).")
    table = table_needed(table, file_name, "titellinjen nævner ikke tabellen")
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
    return long_frame(rows, problems)


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
