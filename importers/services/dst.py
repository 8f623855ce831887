"""Loading Statistics Denmark files: DST series, FOLK1A populations, STRAF11 codes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from comparisons.models import DstValue
from districts.models import PopulationCount
from importers.parsers.common import Problem, danish_integer, field_integer_range, field_max_length
from importers.parsers.police import Parsed
from reports.categories import offence_codes_register
from reports.periods import Period, PeriodError

from .results import PREVIEW_ROWS, Plan, cell_text, preview_cell
from .scope import UNRESTRICTED, WriteScope, rows_problems
from .writer import model_label, rows_upsert

POPULATION_TABLES = {"FOLK1A"}
TOTAL_DIMS = {"", "ALDER=IALT|KØN=TOT", "ALDER=IALT|CIVILSTAND=TOT|KØN=TOT", "CIVILSTAND=TOT|KØN=TOT", "KØN=TOT"}


def _quarter_start(period: str) -> dt.date | None:
    """FOLK1A counts on the 1st day of the quarter."""
    parsed = _parse(period)
    return parsed.start if parsed is not None and parsed.kind == "K" else None


def _parse(period: str) -> Period | None:
    try:
        return Period.parse(period)
    except PeriodError:
        return None  # monthly series


def dst_plan(*, parsed: Parsed, file_name: str, objects: dict, allowed: WriteScope = UNRESTRICTED) -> Plan:
    """The plan of a parsed DST file (``dst_parse``): its cells checked, previewed and written."""
    frame = parsed.frame
    # rows without an area or a period already have their problem; they are no cell of their own
    keyed = frame[frame["area_code"].notna() & frame["period"].notna()]
    duplicated = keyed.duplicated(subset=["table", "area_code", "dims", "period"])
    for row in keyed.loc[duplicated, "row"]:
        parsed.problems.append(Problem(row, "", "", "Samme celle (tabel, område, variable, tid) står to gange"))
    parsed.problems += _length_problems(frame) + _population_problems(frame)
    # DST's tables are public statistics of every area: an analyst loads the rows of their own municipalities,
    # a Systemansvarlig (or superuser) a whole download - other municipalities, the country and the regions
    national = frame[frame["area_code"].notna() & ~frame["area_code"].isin(list(objects))]
    if not allowed.shared:
        parsed.problems += rows_problems(frame, scope=allowed, objects=objects, file_name=file_name,
                                         code_column="area_code", label="OMRÅDE")
    if len(national) and not allowed.shared:
        parsed.problems += [
            Problem(int(row), "OMRÅDE", str(code), f"{name or code} er ingen kommune: tal for hele landet og andre "
                    "områder er fælles for alle kommuner og indlæses kun af en systemansvarlig eller en superbruger; "
                    f"filen {file_name} er ikke indlæst")
            for row, code, name in zip(national["row"], national["area_code"], national["area_name"], strict=True)]
    preview_columns = ["table", "area_code", "area_name", "dims", "period", "value"]
    bad_rows = {p.row for p in parsed.problems}
    preview = [{**{c: cell_text(r[c]) for c in preview_columns},  # the value beside the file's own cell
                "value": preview_cell(str(r["cell"] or "").strip(), cell_text(r["value"]), error=r["row"] in bad_rows)}
               for r in frame.head(PREVIEW_ROWS).to_dict("records")]

    def write(*, batch, progress):
        rows = [{"table": r["table"], "area_code": r["area_code"], "area_name": r["area_name"][:100],
                 "dims": r["dims"], "period": r["period"],
                 "value": None if r["value"] is None or r["value"] != r["value"] else float(r["value"])}
                for r in frame.to_dict("records")]
        key = ("table", "area_code", "dims", "period")
        existing = {}
        for table in {r["table"] for r in rows}:
            for v in DstValue.objects.filter(table=table).values("pk", *key, "value", "area_name"):
                existing[tuple(v[k] for k in key)] = v
        counts = rows_upsert(model=DstValue, rows=rows, key=key, fields=["value", "area_name"], batch=batch,
                             existing=existing, progress=progress)
        notes = []
        population = [r for r in rows if r["table"] in POPULATION_TABLES and r["dims"] in TOTAL_DIMS
                      and r["area_code"] in objects and r["value"] is not None and _quarter_start(r["period"])]
        if population:
            pop_rows = [{"municipality_id": objects[r["area_code"]].pk, "district_id": None,
                         "date": _quarter_start(r["period"]), "sex": "", "age_from": 0, "age_to": 125,
                         "count": int(r["value"])} for r in population]
            pop_key = ("municipality_id", "district_id", "date", "sex", "age_from", "age_to")
            current = {tuple(v[k] for k in pop_key): v for v in PopulationCount.objects.filter(
                district__isnull=True, sex="", age_from=0, age_to=125).values("pk", *pop_key, "count")}
            pop_counts = rows_upsert(model=PopulationCount, rows=pop_rows, key=pop_key, fields=["count"],
                                     batch=batch, existing=current)
            notes.append(f"Befolkningstal pr. kommune: {pop_counts.created} nye, {pop_counts.updated} rettet.")
        overtraed = {part.split("=", 1)[1] for r in rows for part in r["dims"].split("|")
                     if part.startswith("OVERTRÆD=") and part.split("=", 1)[1][:1].isdigit()}
        if overtraed:
            offence_codes_register(source="dst", codes={code: "" for code in overtraed})
        return counts, notes

    periods = sorted({p for p in frame["period"] if isinstance(p, str) and p})
    return Plan(rows_read=len(frame), preview=preview, columns=preview_columns, problems=parsed.problems,
                warnings=parsed.warnings, period=(_period_start(periods[0]), _period_end(periods[-1])) if periods
                else (None, None), write=write, shared=bool(len(national)))


def _period_start(period: str) -> dt.date | None:
    parsed = _parse(period)
    return parsed.start if parsed else None


def _period_end(period: str) -> dt.date | None:
    parsed = _parse(period)
    return parsed.end if parsed else None


def _population_problems(frame: pd.DataFrame) -> list[Problem]:
    """FOLK1A values are head counts: whole numbers that fit the population count's column.

    The column's range is the one every supported database keeps (SQLite would take more than
    PostgreSQL), so a file is accepted or refused the same way everywhere.
    """
    low, high = field_integer_range(model_label(PopulationCount), "count")
    rows = frame[frame["table"].isin(POPULATION_TABLES) & frame["value"].notna()]
    values = rows["value"].astype(float)
    whole = np.isfinite(values) & (values == np.floor(values)) & values.between(low, high)
    reason = f"Et befolkningstal skal være et helt tal fra {danish_integer(low)} til {danish_integer(high)}"
    bad = rows[~whole]
    return [Problem(int(row), str(column), str(cell), reason)
            for row, column, cell in zip(bad["row"], bad["column"], bad["cell"], strict=True)]


def _length_problems(frame: pd.DataFrame) -> list[Problem]:
    """Texts longer than their column (PostgreSQL refuses them at write): the table name and the variables."""
    problems = []
    table_max = field_max_length(model_label(DstValue), "table")
    for table in frame["table"].unique():
        if len(str(table)) > table_max:
            problems.append(Problem(None, "tabel", str(table), f"Tabelnavnet er for langt (højst {table_max} tegn)"))
    dims_max = field_max_length(model_label(DstValue), "dims")
    for row, dims in dict.fromkeys(zip(frame["row"], frame["dims"], strict=True)):
        if len(dims) > dims_max:
            problems.append(Problem(int(row), "", dims, f"Variablenes værdier fylder {len(dims)} tegn; der er "
                                                        f"plads til {dims_max}"))
    return problems
