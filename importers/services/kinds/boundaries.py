"""District boundaries (GeoJSON)."""

from __future__ import annotations

from importers.parsers.geojson import boundaries_parse

from .. import reference
from ..results import Plan
from .base import FileKind, Head, Reading


def plan(r: Reading) -> Plan:
    parsed = r.parsed("boundaries", lambda: boundaries_parse(r.data, file_name=r.file_name,
                                                             name_property=r.options.get("boundary_property")))
    preview = [{"district": b["district"], "geometry": b["geometry"]["type"]} for b in parsed.frame.to_dict("records")]
    rows, problems = ([], []) if parsed.errors else reference.boundaries_rows(frame=parsed.frame,
                                                                              municipality=r.municipality)
    return Plan(rows_read=len(parsed.frame) + len(parsed.errors), preview=preview, columns=["district", "geometry"],
                problems=parsed.errors + problems, warnings=parsed.warnings, period=(None, None),
                write=lambda *, batch, progress: (reference.boundaries_write(rows=rows, batch=batch), []))


def is_geojson(head: Head) -> bool:
    return head.file_name.lower().endswith((".geojson", ".json"))


# after mun_bounds (DST's municipality map is GeoJSON too)
KIND = FileKind("boundaries", plan, sniff=(20, is_geojson))
