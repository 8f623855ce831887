"""What every file kind module is given (``Reading``) and gives (``FileKind``: detect, parse, plan)."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd

from districts.models import Municipality
from importers.parsers.common import normalise_header
from importers.parsers.tables import read_table
from importers.storage import parsed_get, parsed_store

from ..results import Plan, frame_preview
from ..scope import UNRESTRICTED, WriteScope, rows_problems

T = TypeVar("T")


@dataclass
class Head:
    """What detection looks at: the file's name, its first bytes, and (read on demand) its sheets' headers."""

    data: bytes
    file_name: str

    @cached_property
    def sheets(self) -> dict[str, pd.DataFrame]:
        return read_table(self.data, file_name=self.file_name, head_only=True)

    @cached_property
    def headers(self) -> set[str]:
        found: set[str] = set()
        for frame in self.sheets.values():
            found |= {normalise_header(c) for c in frame.columns}
        return found


@dataclass
class Reading:
    """A file to be read as one kind: its bytes, the form's municipality and options, what the user may write,
    and the municipalities' names. ``parsed(step, parse)`` runs a parser once per file: what a preview parsed
    is kept beside its upload (``keep``) and taken from there when the same file (``sha256``) is imported."""

    data: bytes
    file_name: str
    municipality: Municipality | None
    options: dict
    allowed: WriteScope = UNRESTRICTED
    names: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Municipality] = field(default_factory=dict)
    sha256: str = ""
    kind: str = ""
    keep: bool = False  # keep what is parsed beside the upload (a preview whose upload waits for "Godkend")
    kept: dict[str, bytes] = field(default_factory=dict)  # step → its result, pickled as it was parsed

    @property
    def default(self) -> str | None:
        return self.municipality.code if self.municipality else None

    @cached_property
    def sheets(self) -> dict[str, pd.DataFrame]:
        return read_table(self.data, file_name=self.file_name, sheet_like=("anmeldelser", "sigtelser"))

    @property
    def raw(self) -> pd.DataFrame:
        return next(iter(self.sheets.values()))

    def store_key(self) -> str:
        """How the file is read: kind, municipality, options and the municipalities' names (a parser's inputs)."""
        what = json.dumps([self.kind, self.default, self.options, sorted(self.names.items())], sort_keys=True,
                          default=str)
        return hashlib.sha256(what.encode()).hexdigest()[:32]

    @cached_property
    def _stored(self) -> dict[str, bytes]:
        if not self.sha256:
            return {}
        return parsed_get(self.sha256, self.store_key()) or {}

    def parsed(self, step: str, parse: Callable[[], T]) -> T:
        """``parse()``'s result, or the one a preview of the same file kept."""
        if step in self._stored:
            return pickle.loads(self._stored[step])  # noqa: S301 - written by parsed_store, never by a user
        value = parse()
        if self.keep:
            self.kept[step] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)  # as parsed, before use
        return value

    def keep_parsed(self) -> None:
        """Store what was parsed beside the upload (for a preview the user may confirm)."""
        if self.keep and self.kept and self.sha256:
            parsed_store(self.sha256, self.store_key(), self.kept)


@dataclass(frozen=True)
class FileKind:
    """One kind of file. ``sniff`` recognises it from its name and first bytes, before its table is read;
    ``by_headers`` from its columns; each with an order (lower first) among all kinds' rules."""

    name: str
    plan: Callable[[Reading], Plan]
    sniff: tuple[int, Callable[[Head], bool]] | None = None
    by_headers: tuple[int, Callable[[Head], bool]] | None = None


def preview_of(parsed: Any, raw: pd.DataFrame, aliases: dict) -> dict:
    """A reference file's preview: the file's text beside each parsed value (the Plan's preview and columns)."""
    preview, columns = frame_preview(parsed.frame, raw=raw, aliases=aliases, problems=parsed.problems)
    return {"preview": preview, "columns": columns}


def district_table_plan(r: Reading, *, step: str, parse: Callable[..., Any], aliases: dict,
                        rows_of: Callable[..., tuple[list, list]], write: Callable[..., Any],
                        period_of: Callable[[pd.DataFrame], tuple] | None = None) -> Plan:
    """The plan of a reference table kept per district (streets, population, activity figures): parsed (or read
    back from the preview), its rows checked against the writer's municipalities, written by ``write``."""
    parsed = r.parsed(step, lambda: parse(r.raw, file_name=r.file_name, municipalities=r.names,
                                          default_municipality=r.default))
    rows, problems = ([], []) if parsed.errors else rows_of(parsed.frame, r.objects)
    problems = rows_problems(parsed.frame, scope=r.allowed, objects=r.objects, file_name=r.file_name) + problems
    return Plan(rows_read=len(r.raw), **preview_of(parsed, r.raw, aliases),
                problems=parsed.errors + problems, warnings=parsed.warnings,
                period=period_of(parsed.frame) if period_of else (None, None),
                write=lambda *, batch, progress: (write(rows=rows, batch=batch), []))

