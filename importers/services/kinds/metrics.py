"""Activity figures (nøgletal) per period."""

from __future__ import annotations

from importers.parsers.reference import METRIC_ALIASES, metrics_parse

from .. import reference
from ..results import Plan
from .base import FileKind, Reading, district_table_plan


def plan(r: Reading) -> Plan:
    return district_table_plan(r, step="metrics", parse=metrics_parse, aliases=METRIC_ALIASES,
                               rows_of=reference.metrics_rows, write=reference.metrics_write)


KIND = FileKind("metrics", plan, by_headers=(60, lambda h: {"noegletal", "periode"} <= h.headers))
