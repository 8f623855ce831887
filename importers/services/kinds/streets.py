"""The street table: street ranges and their districts (``vejnavn``, …)."""

from __future__ import annotations

from importers.parsers.reference import STREET_ALIASES, streets_parse

from .. import reference
from ..results import Plan
from ..scope import rows_problems
from .base import FileKind, Reading, preview_of


def plan(r: Reading) -> Plan:
    parsed = r.parsed("streets", lambda: streets_parse(r.raw, file_name=r.file_name, municipalities=r.names,
                                                       default_municipality=r.default))
    rows, problems = ([], []) if parsed.errors else reference.streets_rows(parsed.frame, r.objects)
    problems = rows_problems(parsed.frame, scope=r.allowed, objects=r.objects, file_name=r.file_name) + problems
    return Plan(rows_read=len(r.raw), **preview_of(parsed, r.raw, STREET_ALIASES),
                problems=parsed.errors + problems, warnings=parsed.warnings, period=(None, None),
                write=lambda *, batch, progress: (reference.streets_write(rows=rows, batch=batch), []))


KIND = FileKind("streets", plan, by_headers=(70, lambda h: "vejnavn" in h.headers))
