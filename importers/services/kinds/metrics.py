"""Activity figures (nøgletal) per period."""

from __future__ import annotations

from importers.parsers.reference import METRIC_ALIASES, metrics_parse

from .. import reference
from ..results import Plan
from ..scope import rows_problems
from .base import FileKind, Reading, preview_of


def plan(r: Reading) -> Plan:
    parsed = r.parsed("metrics", lambda: metrics_parse(r.raw, file_name=r.file_name, municipalities=r.names,
                                                       default_municipality=r.default))
    rows, problems = ([], []) if parsed.errors else reference.metrics_rows(parsed.frame, r.objects)
    problems = rows_problems(parsed.frame, scope=r.allowed, objects=r.objects, file_name=r.file_name) + problems
    return Plan(rows_read=len(r.raw), **preview_of(parsed, r.raw, METRIC_ALIASES),
                problems=parsed.errors + problems, warnings=parsed.warnings, period=(None, None),
                write=lambda *, batch, progress: (reference.metrics_write(rows=rows, batch=batch), []))


KIND = FileKind("metrics", plan, by_headers=(60, lambda h: {"noegletal", "periode"} <= h.headers))
