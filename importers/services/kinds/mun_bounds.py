"""The municipalities' boundaries: DAGI's GeoJSON (``label_dk``), e.g. DST's ``kommunegraenser.geojson``."""

from __future__ import annotations

from importers.parsers.common import ParseError
from importers.parsers.geojson import municipality_boundaries_parse

from .. import reference
from ..results import Plan
from ..scope import shared_refused
from .base import FileKind, Head, Reading
from .boundaries import is_geojson


def plan(r: Reading) -> Plan:
    refused = shared_refused(r.allowed, what="Kommunegrænserne", file_name=r.file_name)
    if refused:  # refused before it is read
        raise ParseError(refused)
    parsed = r.parsed("mun_bounds", lambda: municipality_boundaries_parse(
        r.data, file_name=r.file_name, municipalities=r.names, name_property=r.options.get("boundary_property")))
    records = parsed.frame.to_dict("records")
    rows = [{"code": m["municipality"], "boundary": m["geometry"]} for m in records]
    preview = [{"name": m["name"], "municipality": m["municipality"], "geometry": m["geometry"]["type"],
                "points": sum(len(ring) for polygon in m["geometry"]["coordinates"] for ring in polygon)}
               for m in records]
    return Plan(rows_read=len(parsed.frame) + len({p.row for p in parsed.problems}) + parsed.frame.attrs["skipped"],
                preview=preview, columns=["name", "municipality", "geometry", "points"], problems=parsed.errors,
                warnings=parsed.warnings, period=(None, None), shared=True,
                write=lambda *, batch, progress: (reference.municipality_fields_write(
                    rows=rows, fields=("boundary",), batch=batch), []))


def sniff(head: Head) -> bool:
    return is_geojson(head) and b'"label_dk"' in head.data[:200_000]


KIND = FileKind("mun_bounds", plan, sniff=(10, sniff))
