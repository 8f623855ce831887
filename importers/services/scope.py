"""Authorisation by content: what a file writes decides whether its user may import it.

The upload form's municipality is only a default; a file's own rows name their municipality, and
an offence's key (journal number, forhold) is global. So every importer checks its rows here:

- a row it creates must belong to a municipality the user may write (``WriteScope.ids``);
- a stored row it updates, moves or removes must belong to one both before and after (a stored
  offence with the file's key must lie in one of the user's municipalities, and so must the
  offence a charge belongs to);
- data no municipality owns (categories, code rules, DST figures of areas that are no
  municipality) is changed only by superusers and "Systemansvarlig" (``WriteScope.shared``).

A file breaking a rule is refused as a whole, with a Danish row error per row. The municipalities
a batch touched are recorded on it (``batch_municipalities``), so each one's analysts see the batch,
and rolling it back needs the right to write all of them (``rollback_refused``).

A charge whose offence is not stored yet belongs to no municipality: it is stored as waiting, and
linked to its offence when that arrives only if the user whose import last wrote the charge may
write the offence's municipality (``police.charges_link``); otherwise it keeps waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q

from accounts.access import ANALYST, may_change_shared, writable_municipality_ids
from accounts.models import Membership
from comparisons.models import DstValue
from districts.models import District, Municipality, PopulationCount, StreetRange
from importers.models import ImportBatch, ImportChange
from importers.parsers.common import Problem
from reports.models import ActivityFigure, ReportCategory, ReportedOffence

from .staging import StagingTable
from .table_upkeep import analyze

SHARED_MESSAGE = ("{what} er fælles for alle kommuner og kan kun ændres af en systemansvarlig eller en "
                  "superbruger; filen {file_name} er ikke indlæst.")


@dataclass(frozen=True)
class WriteScope:
    """What one user may write. ``ids``: the municipalities (None: all); ``shared``: shared reference data."""

    ids: frozenset[int] | None = None
    shared: bool = True

    @property
    def restricted(self) -> bool:
        return self.ids is not None

    def allows(self, municipality_id: int | None) -> bool:
        return self.ids is None or (municipality_id is not None and int(municipality_id) in self.ids)

    def names(self) -> str:
        """The user's municipalities, for messages."""
        if self.ids is None:
            return "alle kommuner"
        found = [f"{m.name} ({m.code})" for m in Municipality.objects.filter(pk__in=self.ids).order_by("code")]
        return ", ".join(found) or "ingen kommuner"


UNRESTRICTED = WriteScope()


def write_scope(user) -> WriteScope:
    return WriteScope(ids=writable_municipality_ids(user), shared=may_change_shared(user))


def _refusal(scope: WriteScope, municipality: Municipality, file_name: str) -> str:
    return (f"Du har ikke skriveadgang til {municipality.name} ({municipality.code}), kun til {scope.names()}; "
            f"filen {file_name} er ikke indlæst")


def municipality_refused(scope: WriteScope, municipality: Municipality | None, file_name: str) -> str | None:
    """A message when the chosen (default) municipality is not one the user may write."""
    if municipality is None or scope.allows(municipality.pk):
        return None
    return _refusal(scope, municipality, file_name) + "."


def rows_problems(frame: pd.DataFrame, *, scope: WriteScope, objects: dict[str, Municipality], file_name: str,
                  code_column: str = "municipality", label: str = "Kommunekode") -> list[Problem]:
    """A row error for each row whose municipality (a code in ``code_column``) the user may not write.

    Rows whose code is unknown already have their parser's error."""
    if not scope.restricted or not len(frame) or code_column not in frame:
        return []
    codes = frame[code_column]
    allowed = {code for code, m in objects.items() if m.pk in (scope.ids or frozenset())}
    refused = frame[codes.isin(list(objects)) & ~codes.isin(list(allowed))]
    messages: dict[str, str] = {}
    problems = []
    for row, code in zip(refused["row"], refused[code_column], strict=True):
        if code not in messages:
            messages[code] = _refusal(scope, objects[code], file_name)
        problems.append(Problem(int(row), label, str(code), messages[code]))
    return problems


def stored_offence_problems(frame: pd.DataFrame, *, scope: WriteScope, file_name: str,
                            charges: bool = False) -> list[Problem]:
    """A row error for each row whose key names a stored offence of a municipality the user may not write.

    An offence row would update or move it; a charge row would be attached to it. The file's keys go
    into a temporary table joined with the stored offences on their natural key (set-based: a lookup
    per chunk of keys had PostgreSQL scan the table once per chunk)."""
    if not scope.restricted or not len(frame):
        return []
    keys = pd.DataFrame({"journal_number": frame["journal_number"],
                         "forhold": pd.to_numeric(frame["forhold"], errors="coerce")})
    keys = keys[keys["journal_number"].notna() & keys["forhold"].notna()]  # bad cells have their parser's error
    keys = keys[keys["forhold"].between(0, 2**31 - 1)].drop_duplicates().astype({"forhold": "int64"})
    if not len(keys):
        return []
    foreign = _foreign_offences(keys, scope)
    if not foreign:
        return []
    names = {m.pk: f"{m.name} ({m.code})" for m in Municipality.objects.filter(pk__in=set(foreign.values()))}
    problems = []
    numbers = pd.to_numeric(frame["forhold"], errors="coerce")
    for row, journal, forhold, number in zip(frame["row"], frame["journal_number"], frame["forhold"], numbers,
                                             strict=True):
        municipality_id = None if pd.isna(number) else foreign.get((journal, int(number)))
        if municipality_id is None:
            continue
        if charges:
            reason = (f"Sigtelsen hører til en anmeldelse i {names[municipality_id]}, som du ikke har skriveadgang "
                      f"til; filen {file_name} er ikke indlæst")
        else:
            reason = (f"Anmeldelsen er gemt under {names[municipality_id]}, som du ikke har skriveadgang til; den "
                      f"kan ikke ændres eller flyttes herfra, og filen {file_name} er ikke indlæst")
        problems.append(Problem(int(row), "Journalnummer/Forhold", f"{journal} / {forhold}", reason))
    return problems


def _foreign_offences(keys: pd.DataFrame, scope: WriteScope) -> dict[tuple[str, int], int]:
    """(journal number, forhold) → municipality of the stored offences with those keys outside ``scope``."""

    stage = StagingTable(model=ReportedOffence, columns=["journal_number", "forhold"], name="stage_scope_keys")
    stage.create()
    try:
        stage.load(keys)
        offence = connection.ops.quote_name(ReportedOffence._meta.db_table)
        allowed = ", ".join(str(int(i)) for i in sorted(scope.ids or ())) or "-1"
        with connection.cursor() as cursor:
            analyze(cursor, stage.name)
            cursor.execute(f"SELECT s.journal_number, s.forhold, t.municipality_id FROM {stage.name} s "
                           f"JOIN {offence} t ON t.journal_number = s.journal_number AND t.forhold = s.forhold "
                           f"WHERE t.municipality_id NOT IN ({allowed})")
            return {(j, int(f)): m for j, f, m in cursor.fetchall()}
    finally:
        stage.drop()


def shared_refused(scope: WriteScope, *, what: str, file_name: str) -> str | None:
    if scope.shared:
        return None
    return SHARED_MESSAGE.format(what=what, file_name=file_name)


# Which tables name their municipality, and how: a field on the row, or through another table.
_DIRECT = {
    "reports.reportedoffence": ReportedOffence, "districts.populationcount": PopulationCount,
    "districts.streetrange": StreetRange, "reports.activityfigure": ActivityFigure,
    "reports.reportcategory": ReportCategory, "districts.district": District,
}


def batch_municipalities(batch: ImportBatch) -> set[int]:
    """Every municipality ``batch`` touched: of the rows it wrote (as they are now) and of the rows it
    updated or removed (as they were). Read inside the import's transaction, after the write."""
    found: set[int] = set()
    labels = set(ImportChange.objects.filter(batch=batch).values_list("model", flat=True).distinct().order_by())
    for label in labels:
        changes = ImportChange.objects.filter(batch=batch, model=label)
        previous = changes.filter(action__in=[ImportChange.Action.UPDATED, ImportChange.Action.DELETED])
        model = _DIRECT.get(label)
        if model is not None:
            if model is District:  # boundaries: the districts it changed
                ids = list(previous.values_list("object_id", flat=True))
                found |= set(District.objects.filter(pk__in=ids).values_list("municipality_id", flat=True))
                continue
            if model is ReportCategory:  # created one by one
                ids = list(changes.values_list("object_id", flat=True))
                found |= set(model._default_manager.filter(pk__in=ids).values_list("municipality_id", flat=True))
                continue
            found |= set(model._default_manager.filter(batch=batch).values_list("municipality_id", flat=True)
                         .distinct().order_by())
            found |= _previous_values(previous, "municipality_id")
        elif label == "reports.charge":
            found |= set(ReportedOffence.objects.filter(charges__batch=batch).values_list("municipality_id", flat=True)
                         .distinct().order_by())
            offences = _previous_values(previous, "offence_id")
            found |= set(ReportedOffence.objects.filter(pk__in=list(offences)).values_list("municipality_id",
                                                                                           flat=True).distinct())
        elif label == "comparisons.dstvalue":
            codes = set(DstValue.objects.filter(batch=batch).values_list("area_code", flat=True).distinct().order_by())
            codes |= _previous_values(previous, "area_code")
            found |= set(Municipality.objects.filter(code__in=codes).values_list("pk", flat=True))
    return {int(m) for m in found if m is not None}


def _previous_values(changes, name: str) -> set:
    return {v for v in changes.values_list(f"previous__{name}", flat=True).distinct().order_by() if v is not None}


def rollback_refused(batch: ImportBatch, user) -> str | None:
    """A Danish message when ``user`` may not roll ``batch`` back: it touched a municipality they may not
    write, or shared reference data they may not change. None when they may."""
    scope = write_scope(user)
    if batch.shared_data and not scope.shared:
        return (f"Kørsel #{batch.pk} ændrede data, der er fælles for alle kommuner; den kan kun rulles tilbage af "
                "en systemansvarlig eller en superbruger.")
    if not scope.restricted:
        return None
    touched = set(batch.municipalities.values_list("pk", flat=True)) | (
        {batch.municipality_id} if batch.municipality_id else set())
    outside = Municipality.objects.filter(pk__in=touched - (scope.ids or frozenset())).order_by("code")
    if outside:
        names = ", ".join(f"{m.name} ({m.code})" for m in outside)
        return (f"Kørsel #{batch.pk} ændrede data i {names}, som du ikke har skriveadgang til; den kan kun rulles "
                "tilbage af en analytiker for alle de berørte kommuner eller af en superbruger.")
    return None


def visible_batches_q(municipality_ids: Iterable[int], user) -> Q:
    """Batches an analyst of ``municipality_ids`` sees: filed under one of them, touching one, or their own."""
    ids = list(municipality_ids)
    return Q(municipality__in=ids) | Q(municipalities__in=ids) | Q(user=user)


def charge_link_permitted(charge_alias: str, offence_alias: str) -> str:
    """SQL: a waiting charge (``charge_alias``) may be linked to the offence (``offence_alias``): it was written
    by no import, by one with no user (the command line), by a superuser, or by an analyst of the offence's
    municipality."""

    q = connection.ops.quote_name
    batch_t, user_t = q(ImportBatch._meta.db_table), q(get_user_model()._meta.db_table)
    member_t, group_t = q(Membership._meta.db_table), q(Group._meta.db_table)
    return (
        f"({charge_alias}.batch_id IS NULL OR EXISTS (SELECT 1 FROM {batch_t} b LEFT JOIN {user_t} u ON u.id = b.user_id "
        f"WHERE b.id = {charge_alias}.batch_id AND (b.user_id IS NULL OR u.is_superuser OR EXISTS ("
        f"SELECT 1 FROM {member_t} mb JOIN {group_t} g ON g.id = mb.role_id WHERE mb.user_id = b.user_id "
        f"AND g.name = '{ANALYST}' AND mb.municipality_id = {offence_alias}.municipality_id))))"
    )

