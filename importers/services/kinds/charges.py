"""Police extract of charges (sigtelser): one row per charged person and offence."""

from __future__ import annotations

from ..results import Plan
from .base import FileKind, Reading
from .police_files import has_person, police_plan


def plan(r: Reading) -> Plan:
    return police_plan("charges", r)


KIND = FileKind("charges", plan, by_headers=(20, has_person))
