"""Police extract of offences (anmeldelser), keyed by journal number and forhold."""

from __future__ import annotations

from ..results import Plan
from .base import FileKind, Reading
from .police_files import has_offence, police_plan


def plan(r: Reading) -> Plan:
    return police_plan("offences", r)


KIND = FileKind("offences", plan, by_headers=(30, has_offence))
