"""Keeping the derived tables (the aggregate table and the charge facts) in step while a batch is rolled
back (``DerivedUndo``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from importers.models import ImportChange
from reports import (
    aggregates,  # the module: its aggregates_refresh is looked up when called (tests record it)
)
from reports.aggregates import (
    aggregates_move_in,
    aggregates_move_out,
    aggregates_subtract,
)
from reports.models import Charge, ChargeFact, OffenceAggregate, ReportedOffence

from .results import months_of
from .rollback_plan import RollbackPlan, _with_previous
from .table_upkeep import analyze, upkeep_deferred
from .table_upkeep import quoted as _q
from .writer import CHUNK

OFFENCE_DATES = ("report_date", "offence_date")
# A rollback removing at least this many offences, and at least half of them all, regroups the derived
# tables from what is left and rebuilds the charges' indexes and keys afterwards (``DerivedUndo``)
WHOLESALE_ROWS = 100_000


def _created_subtracted(plan: RollbackPlan) -> bool:
    """Take the offences and charges the batch created out of the derived tables as they are (the charges
    of those offences with them), before they are deleted. False when the tables are out of step."""
    offence, charge = _q(ReportedOffence._meta.db_table), _q(Charge._meta.db_table)
    created = plan.created("reports.reportedoffence")
    offences = (f"SELECT o.* FROM {offence} o JOIN {created} g ON g.id = o.id" if created
                else f"SELECT * FROM {offence} o WHERE 1 = 0")
    charges = (f"SELECT c.* FROM {charge} c JOIN {plan.charges_gone} g ON g.id = c.id" if plan.charges_gone
               else f"SELECT * FROM {charge} c WHERE 1 = 0")
    with connection.cursor() as cursor:
        return aggregates_subtract(cursor, offences=offences, charges=charges)


def _moved_charges(plan: RollbackPlan) -> str | None:
    """A temporary table of the charges whose counts an update of the batch moved: those of the offences
    it updated and those it updated itself, less those that go anyway (``charges_gone``)."""
    charge = _q(Charge._meta.db_table)
    offences, charges = plan.undo("reports.reportedoffence"), plan.undo("reports.charge")
    if not (offences or charges):
        return None
    with connection.cursor() as cursor:
        moved = plan._create(cursor, "rollback_charges_moved")
        kept = (f" AND NOT EXISTS (SELECT 1 FROM {plan.charges_gone} x WHERE x.id = c.id)" if plan.charges_gone else "")
        if offences:
            cursor.execute(f"INSERT INTO {moved} (id) SELECT c.id FROM {charge} c JOIN (SELECT DISTINCT object_id "
                           f"FROM {offences[0]}) g ON g.object_id = c.offence_id WHERE TRUE{kept}")
        if charges:
            cursor.execute(f"INSERT INTO {moved} (id) SELECT c.id FROM {charge} c JOIN (SELECT DISTINCT object_id "
                           f"FROM {charges[0]}) g ON g.object_id = c.id WHERE NOT EXISTS "
                           f"(SELECT 1 FROM {moved} y WHERE y.id = c.id){kept}")
        analyze(cursor, moved)
    return moved


def _updated_rows(plan: RollbackPlan, moved: str | None) -> tuple[str, str]:
    """SQL for the offences the batch updated and for the charges whose counts that moved, as they are."""
    offence, charge = _q(ReportedOffence._meta.db_table), _q(Charge._meta.db_table)
    undo = plan.undo("reports.reportedoffence")
    offences = (f"SELECT o.* FROM {offence} o JOIN (SELECT DISTINCT object_id FROM {undo[0]}) g ON g.object_id = o.id"
                if undo else f"SELECT * FROM {offence} o WHERE 1 = 0")
    charges = (f"SELECT c.* FROM {charge} c JOIN {moved} g ON g.id = c.id WHERE c.offence_id IS NOT NULL" if moved
               else f"SELECT * FROM {charge} c WHERE 1 = 0")
    return offences, charges


def _updated_subtracted(plan: RollbackPlan) -> bool:
    """Note the offences the batch updated, and the charges whose counts that moved, as they are now, and
    take their facts out; ``_updated_added`` counts them again once their old values are back and moves the
    difference in the aggregate table (``aggregates_move_out``/``_in``). False when the tables are out of
    step (nothing is changed then)."""
    plan.charges_moved = _moved_charges(plan)
    if plan.charges_moved is None:
        return True
    offences, charges = _updated_rows(plan, plan.charges_moved)
    with connection.cursor() as cursor:
        return aggregates_move_out(cursor, offences=offences, charges=charges)


def _updated_added(plan: RollbackPlan) -> None:
    if plan.charges_moved is None:
        return
    offences, charges = _updated_rows(plan, plan.charges_moved)
    with connection.cursor() as cursor:
        aggregates_move_in(cursor, offences=offences, charges=charges)


def _months_touched(plan: RollbackPlan, *, created: bool) -> frozenset[dt.date]:
    """The months whose figures rolling the batch back changes: of the offences it updated, as they are now
    and as they were, and of those it removed, as they were; with ``created`` also of those it created. A
    charge counts in the months of its offence. Read before anything is rolled back."""
    offence, charge = _q(ReportedOffence._meta.db_table), _q(Charge._meta.db_table)
    dates: list = []
    previous_offences: set[int] = set()
    with connection.cursor() as cursor:
        for label, changes in plan.by_model.items():
            if label not in ("reports.reportedoffence", "reports.charge"):
                continue
            mine, source = (("o", f"{offence} o") if label == "reports.reportedoffence"
                            else ("c", f"{charge} c JOIN {offence} o ON o.id = c.offence_id"))
            rows = []  # the rows as they are now: those it updated, and with ``created`` those it created
            undo = plan.undo(label)
            if undo:
                rows.append(f"SELECT DISTINCT object_id AS id FROM {undo[0]}")
            if created and plan.created(label):
                rows.append(f"SELECT id FROM {plan.created(label)}")
            for ids in rows:
                cursor.execute(f"SELECT DISTINCT {', '.join(f'o.{d}' for d in OFFENCE_DATES)} FROM {source} "
                               f"JOIN ({ids}) g ON g.id = {mine}.id")
                dates += [day for row in cursor.fetchall() for day in row]
            for change in _with_previous(changes):  # and as they were
                previous = change.previous or {}
                if label == "reports.reportedoffence":
                    dates += [previous.get(field) for field in OFFENCE_DATES]
                elif previous.get("offence_id"):
                    previous_offences.add(int(previous["offence_id"]))
        offence_ids = sorted(previous_offences)
        for start in range(0, len(offence_ids), CHUNK):
            part = offence_ids[start:start + CHUNK]
            cursor.execute(f"SELECT {', '.join(OFFENCE_DATES)} FROM {offence} WHERE id IN ({', '.join(['%s'] * len(part))})",
                           part)
            dates += [day for row in cursor.fetchall() for day in row]
    return months_of(dates)


@contextmanager
def _charges_upkeep_deferred(plan: RollbackPlan, *, wholesale: bool) -> Iterator[None]:
    """Around deleting most of the offences: the charges' foreign keys and secondary indexes are taken away
    and built again afterwards (``upkeep_deferred``), so unlinking their charges writes no index entries
    and the deleted offences cost no foreign-key check each at commit: one check of every charge instead."""
    if not wholesale:
        yield
        return
    with connection.cursor() as cursor, upkeep_deferred(cursor, table=Charge._meta.db_table):
        yield


class DerivedUndo:
    """How the rollback keeps the aggregate table and the charge facts in step, chosen before anything is
    rolled back (``finish()`` after the rows are back):

    - *wholesale*: the batch created at least ``WHOLESALE_ROWS`` offences and at least half of them
      all (a first load): every municipality is regrouped from the rows that are left, which costs what
      is left rather than what goes;
    - otherwise the created offences and charges are taken out as they are (``aggregates_subtract``), and
      so are the rows the batch updated, which are added again as they were once their old values are
      back; both cost what the batch changed, not the months it touched;
    - where the derived tables are out of step (a group's row is missing) or the batch removed offences or
      charges, the months of the changed rows are regrouped instead, as they were before and after.
    """

    def __init__(self, plan: RollbackPlan):
        self.plan = plan
        offences = plan.created("reports.reportedoffence")
        self.wholesale = False
        self.readded = False
        self.months: frozenset[dt.date] | None = frozenset()
        with connection.cursor() as cursor:
            if offences:
                cursor.execute(f"SELECT COUNT(*) FROM {offences}")
                gone = cursor.fetchone()[0]
                if gone >= WHOLESALE_ROWS:
                    cursor.execute(f"SELECT COUNT(*) FROM {_q(ReportedOffence._meta.db_table)}")
                    self.wholesale = 2 * gone >= cursor.fetchone()[0]
        if self.wholesale:
            self.months = None  # every month of every municipality
            return
        subtracted = _created_subtracted(plan)
        removed = any(c.action == ImportChange.Action.DELETED for label in ("reports.reportedoffence", "reports.charge")
                      for c in plan.by_model.get(label, ()))
        if subtracted and not removed and _updated_subtracted(plan):
            self.readded = True
        else:
            self.months = _months_touched(plan, created=not subtracted)

    def finish(self) -> None:
        if self.readded:
            _updated_added(self.plan)
        # every municipality that has offences or derived rows, in the months the batch touched (no months:
        # nothing is regrouped; None: every month)
        aggregates.aggregates_refresh(municipality_ids=set().union(*(
            model.objects.values_list("municipality_id", flat=True).distinct().order_by()
            for model in (ReportedOffence, OffenceAggregate, ChargeFact))), months=self.months)
