"""The street table: street ranges and their districts (``vejnavn``, …)."""

from __future__ import annotations

from importers.parsers.reference import STREET_ALIASES, streets_parse

from .. import reference
from ..results import Plan
from .base import FileKind, Reading, district_table_plan


def plan(r: Reading) -> Plan:
    return district_table_plan(r, step="streets", parse=streets_parse, aliases=STREET_ALIASES,
                               rows_of=reference.streets_rows, write=reference.streets_write)


KIND = FileKind("streets", plan, by_headers=(70, lambda h: "vejnavn" in h.headers))
