"""The registry of file kinds: each kind is one module here (detect, parse, plan), listed in ``KINDS``.

A new kind is a new module with a ``KIND = FileKind(...)`` and a line below (and a choice in
``ImportBatch.Kind``)."""

from __future__ import annotations

from importers.parsers.common import ParseError

from ..results import Plan
from . import (
    boundaries,
    categories,
    charges,
    dst,
    komgrp,
    metrics,
    mun_bounds,
    offences,
    police,
    population,
    streets,
)
from .base import FileKind, Head, Reading

__all__ = ["KINDS", "FileKind", "Head", "Reading", "kind_detect", "kind_plan"]

KINDS: dict[str, FileKind] = {m.KIND.name: m.KIND for m in (
    offences, charges, police, population, dst, streets, boundaries, categories, metrics, komgrp, mun_bounds)}

_SNIFFS = sorted((kind.sniff[0], kind.name, kind.sniff[1]) for kind in KINDS.values() if kind.sniff)
_BY_HEADERS = sorted((kind.by_headers[0], kind.name, kind.by_headers[1]) for kind in KINDS.values() if kind.by_headers)


def kind_detect(*, data: bytes, file_name: str) -> str:
    """Recognise the kind of file: from its name and first bytes, else from its headers (each kind's rules, in order)."""
    head = Head(data=data, file_name=file_name)
    for _order, name, sniff in _SNIFFS:
        if sniff(head):
            return name
    for _order, name, matches in _BY_HEADERS:
        if matches(head):
            return name
    said = (f"Filtypen for {file_name} kunne ikke genkendes ud fra kolonnerne "
            f"({', '.join(sorted(head.headers))[:300]}).")
    raise ParseError(f"{said} Vælg filtypen i feltet 'Filtype', eller ret kolonneoverskrifterne (se Hjælp).",
                     cli=f"{said} Angiv filtypen med --kind.")


def kind_plan(reading: Reading) -> Plan:
    """The plan of the file as its kind reads it."""
    kind = KINDS.get(reading.kind)
    if kind is None:
        raise ParseError(f"Filtypen '{reading.kind}' kan ikke indlæses her.")
    return kind.plan(reading)
