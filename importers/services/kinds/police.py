"""A combined police extract: offences and charges in one sheet (a row per offence and person) or two sheets."""

from __future__ import annotations

from ..results import Plan
from .base import FileKind, Head, Reading
from .police_files import has_offence, has_person, police_plan


def plan(r: Reading) -> Plan:
    return police_plan("police", r)


def by_headers(head: Head) -> bool:
    sheets = len(head.sheets)
    return (has_person(head) and has_offence(head) and sheets == 1) or (sheets > 1 and has_offence(head))


KIND = FileKind("police", plan, by_headers=(10, by_headers))
