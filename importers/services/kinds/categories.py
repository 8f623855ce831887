"""Offence categories and their code rules (shared by every municipality)."""

from __future__ import annotations

from importers.parsers.common import ParseError
from importers.parsers.reference import CATEGORY_ALIASES, categories_parse

from .. import reference
from ..results import Plan
from ..scope import shared_refused
from .base import FileKind, Reading, preview_of


def plan(r: Reading) -> Plan:
    refused = shared_refused(r.allowed, what="Gerningstyper og koderegler", file_name=r.file_name)
    if refused:  # refused before it is read
        raise ParseError(refused)
    parsed = r.parsed("categories", lambda: categories_parse(r.raw, file_name=r.file_name, municipalities=r.names))
    return Plan(rows_read=len(r.raw), **preview_of(parsed, r.raw, CATEGORY_ALIASES),
                problems=parsed.errors, warnings=parsed.warnings, period=(None, None), shared=True,
                write=lambda *, batch, progress: reference.categories_write(
                    frame=parsed.frame, municipalities=r.objects, batch=batch))


KIND = FileKind("categories", plan, by_headers=(50, lambda h: {"kategori", "kode", "kilde"} <= h.headers))
