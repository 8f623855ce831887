"""Statistics Denmark downloads (API CSV, website CSV, PC-Axis): DST series, FOLK1A, STRAF11."""

from __future__ import annotations

from importers.parsers.common import ParseError, decode_bytes
from importers.parsers.dst import dst_parse, looks_like_dst
from importers.parsers.tables import is_xlsx

from ..dst import dst_plan
from ..results import Plan
from .base import FileKind, Head, Reading


def plan(r: Reading) -> Plan:
    parsed = r.parsed("dst", lambda: dst_parse(r.data, file_name=r.file_name, municipalities=r.names,
                                               table=r.options.get("dst_table"), fixed=r.options.get("dst_fixed") or {}))
    return dst_plan(parsed=parsed, file_name=r.file_name, objects=r.objects, allowed=r.allowed)


def sniff(head: Head) -> bool:
    """PC-Axis, or a statbank.dk download: an INDHOLD column, tid/kvartal first, or a header of periods near the top."""
    if head.file_name.lower().endswith(".px") or head.data.lstrip(b"\xef\xbb\xbf")[:8].upper().startswith(
            (b"CHARSET", b"AXIS-VER")):
        return True
    if is_xlsx(head.data, head.file_name):
        return False
    try:
        text = decode_bytes(head.data[:20000], file_name=head.file_name).text
    except ParseError:
        return False
    return looks_like_dst(text)


def by_headers(head: Head) -> bool:
    return "indhold" in head.headers or any(h.startswith(("omraade", "tid")) for h in head.headers)


KIND = FileKind("dst", plan, sniff=(30, sniff), by_headers=(90, by_headers))
