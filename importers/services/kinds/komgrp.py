"""DST's classification KOMGRP: each municipality's group (shared data)."""

from __future__ import annotations

from importers.parsers.common import ParseError
from importers.parsers.reference import KOMGRP_ALIASES, komgrp_parse

from .. import reference
from ..results import Plan, frame_preview
from ..scope import shared_refused
from .base import FileKind, Reading


def plan(r: Reading) -> Plan:
    refused = shared_refused(r.allowed, what="Kommunegrupperne (KOMGRP)", file_name=r.file_name)
    if refused:  # refused before it is read
        raise ParseError(refused)
    parsed = r.parsed("komgrp", lambda: komgrp_parse(r.raw, file_name=r.file_name, municipalities=r.names))
    members = parsed.frame[parsed.frame["municipality"] != ""]
    rows = [{"code": m["municipality"], "group_code": m["group_code"], "group_name": m["group_name"]}
            for m in members.to_dict("records")]
    preview, columns = frame_preview(parsed.frame, ["title", "level", "municipality", "group_name"], raw=r.raw,
                                     aliases=KOMGRP_ALIASES, problems=parsed.problems)
    return Plan(rows_read=len(r.raw), preview=preview, columns=columns,
                problems=parsed.errors, warnings=parsed.warnings, period=(None, None), shared=True,
                write=lambda *, batch, progress: (reference.municipality_fields_write(
                    rows=rows, fields=("group_code", "group_name"), batch=batch), []))


# a DST classification: KOMGRP, the municipality groups
KIND = FileKind("komgrp", plan, by_headers=(40, lambda h: {"kode", "niveau", "titel"} <= h.headers))
