"""Population per district (``bydel;dato;antal``)."""

from __future__ import annotations

from importers.parsers.reference import POPULATION_ALIASES, population_parse

from .. import reference
from ..results import Plan
from ..scope import rows_problems
from .base import FileKind, Reading, preview_of


def plan(r: Reading) -> Plan:
    parsed = r.parsed("population", lambda: population_parse(r.raw, file_name=r.file_name, municipalities=r.names,
                                                             default_municipality=r.default))
    rows, problems = ([], []) if parsed.errors else reference.population_rows(parsed.frame, r.objects)
    problems = rows_problems(parsed.frame, scope=r.allowed, objects=r.objects, file_name=r.file_name) + problems
    dates = [d for d in parsed.frame["date"] if d]
    return Plan(rows_read=len(r.raw), **preview_of(parsed, r.raw, POPULATION_ALIASES),
                problems=parsed.errors + problems, warnings=parsed.warnings,
                period=(min(dates, default=None), max(dates, default=None)),
                write=lambda *, batch, progress: (reference.population_write(rows=rows, batch=batch), []))


KIND = FileKind("population", plan, by_headers=(80, lambda h: {"bydel", "dato", "antal"} <= h.headers))
