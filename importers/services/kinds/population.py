"""Population per district (``bydel;dato;antal``)."""

from __future__ import annotations

import pandas as pd

from importers.parsers.reference import POPULATION_ALIASES, population_parse

from .. import reference
from ..results import Plan
from .base import FileKind, Reading, district_table_plan


def _dates(frame: pd.DataFrame) -> tuple:
    dates = [d for d in frame["date"] if d]
    return min(dates, default=None), max(dates, default=None)


def plan(r: Reading) -> Plan:
    return district_table_plan(r, step="population", parse=population_parse, aliases=POPULATION_ALIASES,
                               rows_of=reference.population_rows, write=reference.population_write, period_of=_dates)


KIND = FileKind("population", plan, by_headers=(80, lambda h: {"bydel", "dato", "antal"} <= h.headers))
