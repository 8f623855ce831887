"""Rolling a batch back: created rows go, updated rows get their values back, removed rows return."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef

from accounts.services import audit_log
from importers.jobs import writers_turn
from importers.models import ImportBatch, ImportChange
from reports.categories import category_membership_refresh
from reports.versioning import data_changed

from .bulk import ANALYZE_AFTER_ROWS
from .lifecycle import rolled_back
from .police import charges_link
from .results import ImportResult, months_of
from .table_upkeep import analyze, rows_delete_where, upkeep_deferred
from .table_upkeep import quoted as _q
from .writer import CHUNK

OFFENCE_DATES = ("report_date", "offence_date")
# A rollback removing at least this many offences, and at least half of them all, regroups the derived
# tables from what is left and rebuilds the charges' indexes and keys afterwards (``DerivedUndo``)
WHOLESALE_ROWS = 100_000


def _restore_values(model: type[models.Model], values: dict) -> dict:
    restored = {}
    for name, value in values.items():
        field = model._meta.get_field(name[:-3] if name.endswith("_id") and name != "batch_id" else name)
        if name == "batch_id":
            restored[name] = value
        elif isinstance(field, models.DateTimeField) and isinstance(value, str):
            restored[name] = dt.datetime.fromisoformat(value)
        elif isinstance(field, models.DateField) and isinstance(value, str):
            restored[name] = dt.date.fromisoformat(value[:10])
        else:
            restored[name] = value
    return restored


@dataclass(frozen=True, slots=True)
class Change:
    """A change record without its previous values (``_with_previous`` reads them where Python needs them):
    a rollback of 50,000 updated rows would spend seconds making model objects and parsing their JSON."""

    pk: int
    model: str
    object_id: int
    action: str


def _changes(batch: ImportBatch) -> list[Change]:
    """The batch's change records, newest first."""
    return [Change(*row) for row in ImportChange.objects.filter(batch=batch).order_by("-pk")
            .values_list("pk", "model", "object_id", "action")]


def _with_previous(changes: list[Change]) -> list[ImportChange]:
    """The change records with their previous values, in the same order."""
    found: dict[int, ImportChange] = {}
    pks = [c.pk for c in changes]
    for start in range(0, len(pks), CHUNK):
        found |= ImportChange.objects.in_bulk(pks[start:start + CHUNK])
    return [found[pk] for pk in pks]


def _field_names(batch: ImportBatch, label: str, action: str) -> tuple[set[str], set[str]]:
    """The field names in the previous values of the batch's changes of one kind to one model: those any
    of them holds, and those every one holds (the same, unless files without some columns updated the
    same table). One pass over the change records, grouped by name."""
    keys = ("jsonb_object_keys(u.previous) AS k" if connection.vendor == "postgresql"
            else "json_each(u.previous) AS j")
    name = "k" if connection.vendor == "postgresql" else "j.key"
    mine = "u.batch_id = %s AND u.model = %s AND u.action = %s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_q(ImportChange._meta.db_table)} u WHERE {mine}", [batch.pk, label, action])
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT {name}, COUNT(*) FROM {_q(ImportChange._meta.db_table)} u, {keys} WHERE {mine} "
                       f"GROUP BY {name}", [batch.pk, label, action])
        counts = dict(cursor.fetchall())
    return set(counts), {k for k, n in counts.items() if n == total}


def _restore_updated_one_by_one(model: type[models.Model], changes: list[Change]) -> int:
    """Put the previous values back through the ORM, in bulk per set of fields: for fields the SQL path
    cannot read back from JSON (a district's boundary)."""
    by_fields: dict[tuple[str, ...], list[models.Model]] = {}
    for change in _with_previous(changes):
        values = _restore_values(model, change.previous or {})
        by_fields.setdefault(tuple(sorted(values)), []).append(model(pk=change.object_id, **values))
    for names, objects in by_fields.items():
        fields = [name[:-3] if name.endswith("_id") else name for name in names]
        model.objects.bulk_update(objects, fields, batch_size=CHUNK)
    return len(changes)


def _restore_deleted_one_by_one(model: type[models.Model], changes: list[Change]) -> int:
    """Bring removed rows back with their old ids through the ORM (fields SQL cannot read from JSON, or
    change records that do not hold every field: the model's defaults fill the others)."""
    objects = [model(pk=c.object_id, **_restore_values(model, c.previous or {})) for c in _with_previous(changes)]
    model.objects.bulk_create(objects, batch_size=CHUNK)
    return len(objects)


# Set-based rollback. The rows a rollback acts on are put, once, into temporary tables keyed by id
# (``RollbackPlan``); every later statement joins them. A condition such as ``offence_id IN (…) OR id IN
# (…)`` made PostgreSQL read the batch's offences again for each charge once they no longer fitted in
# ``work_mem`` (issue 21: 11 minutes for one statement at 1M offences), and Django's ``bulk_update``
# restored updated rows through a ``CASE`` of 2,000 branches per statement (225 s for 41k rows).

SQL_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.FloatField, models.BooleanField,
              models.DateField, models.ForeignKey)


def _field(model: type[models.Model], name: str) -> models.Field:
    """The field a change record's key names (an attname such as ``municipality_id``, or a field name)."""
    return model._meta.get_field(name)


def _sql_readable(model: type[models.Model], names: set[str]) -> bool:
    """Whether SQL can read these fields back from a change record's JSON: plain values only."""
    try:
        fields = [_field(model, name) for name in names]
    except FieldDoesNotExist:
        return False
    return all(isinstance(f, SQL_FIELDS) and not isinstance(f, models.DateTimeField) and f.concrete
               for f in fields)


def _json_value(model: type[models.Model], alias: str, name: str) -> str:
    """SQL for the value of field ``name`` in the change record ``alias``'s ``previous``, in the column's type."""
    if connection.vendor == "postgresql":
        field = _field(model, name)
        kind = ("bigint" if isinstance(field, models.ForeignKey)
                else (field.db_type(connection) or "text").split(" CHECK")[0])
        return f"CAST({alias}.previous ->> '{name}' AS {kind})"
    return f"json_extract({alias}.previous, '$.\"{name}\"')"


def _json_has(alias: str, name: str) -> str:
    """SQL: the change record ``alias``'s ``previous`` names the field (its value may be null)."""
    if connection.vendor == "postgresql":
        return f"jsonb_exists({alias}.previous, '{name}')"
    return f"json_type({alias}.previous, '$.\"{name}\"') IS NOT NULL"


class RollbackPlan:
    """The rows rolling ``batch`` back acts on, in temporary tables keyed by id, each filled by one
    set-wise statement from the change records before anything is changed:

    - ``created(label)``: the rows of a model the batch created (they carry its number and it did not
      update them, or a change record names them one by one);
    - ``undo(label)``: its change records of updated rows, numbered per row newest first (``layer``), so a
      row the batch updated twice gets the older value last;
    - ``charges_gone``: the charges whose counts leave the derived tables: the created ones that have an
      offence, and every charge of a created offence.

    ``drop()`` removes them (the transaction's end would too, on PostgreSQL only at the session's end).
    """

    def __init__(self, batch: ImportBatch, by_model: dict[str, list[Change]]):
        self.batch, self.by_model = batch, by_model
        self.tables: list[str] = []
        self._created: dict[str, str] = {}
        self._undo: dict[str, tuple[str, int]] = {}
        self.charges_gone: str | None = None
        self.charges_moved: str | None = None

    def _create(self, cursor, name: str, select: str | None = None, params: list | None = None) -> str:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        if select is None:
            cursor.execute(f"CREATE TEMPORARY TABLE {name} (id bigint PRIMARY KEY)")
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", params or [])
        self.tables.append(name)
        return name

    def build(self) -> RollbackPlan:
        changes = _q(ImportChange._meta.db_table)
        batch = int(self.batch.pk)
        with connection.cursor() as cursor:
            for label, records in self.by_model.items():
                model = apps.get_model(label)
                target = _q(model._meta.db_table)
                name = model._meta.model_name
                mine = f"u.batch_id = {batch} AND u.model = '{label}'"
                if any(c.action in (ImportChange.Action.CREATED, ImportChange.Action.BULK_CREATED) for c in records):
                    table = self._created[label] = self._create(cursor, f"rollback_created_{name}")
                    if any(c.action == ImportChange.Action.BULK_CREATED for c in records):
                        cursor.execute(
                            f"INSERT INTO {table} (id) SELECT t.id FROM {target} t WHERE t.batch_id = {batch} "
                            f"AND NOT EXISTS (SELECT 1 FROM {changes} u WHERE {mine} "
                            f"AND u.action = '{ImportChange.Action.UPDATED}' AND u.object_id = t.id)")
                    cursor.execute(
                        f"INSERT INTO {table} (id) SELECT u.object_id FROM {changes} u WHERE {mine} "
                        f"AND u.action = '{ImportChange.Action.CREATED}' "
                        f"AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.id = u.object_id)")
                    analyze(cursor, table)
                updated = sum(c.action == ImportChange.Action.UPDATED for c in records)
                if updated:
                    table = self._create(
                        cursor, f"rollback_undo_{name}",
                        f"SELECT u.object_id, u.previous, ROW_NUMBER() OVER (PARTITION BY u.object_id "
                        f"ORDER BY u.id DESC) AS layer FROM {changes} u WHERE {mine} "
                        f"AND u.action = '{ImportChange.Action.UPDATED}'")
                    cursor.execute(f"CREATE INDEX {table}_object ON {table} (object_id)")
                    cursor.execute(f"SELECT MAX(layer) FROM {table}")
                    self._undo[label] = (table, int(cursor.fetchone()[0] or 0))
            self._charges_gone(cursor)
        return self

    def _charges_gone(self, cursor) -> None:
        from reports.models import Charge

        offences, charges = self.created("reports.reportedoffence"), self.created("reports.charge")
        if not (offences or charges):
            return
        charge = _q(Charge._meta.db_table)
        gone = self.charges_gone = self._create(cursor, "rollback_charges_gone")
        if offences:  # two statements, not one with OR: each is a join the database plans as a set
            cursor.execute(f"INSERT INTO {gone} (id) SELECT c.id FROM {charge} c JOIN {offences} g ON g.id = c.offence_id")
        if charges:
            cursor.execute(f"INSERT INTO {gone} (id) SELECT c.id FROM {charge} c JOIN {charges} g ON g.id = c.id "
                           f"WHERE c.offence_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {gone} x WHERE x.id = c.id)")
        analyze(cursor, gone)

    def created(self, label: str) -> str | None:
        return self._created.get(label)

    def undo(self, label: str) -> tuple[str, int] | None:
        return self._undo.get(label)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        self.tables = []


def _restore_updated(model: type[models.Model], changes: list[Change], plan: RollbackPlan) -> int:
    """Put the previous values back: one ``UPDATE … FROM`` the change records per layer (one layer unless
    the batch updated a row twice; the newest change first, so the oldest value stays)."""
    if not changes:
        return 0
    every, shared = _field_names(plan.batch, model._meta.label_lower, ImportChange.Action.UPDATED)
    undo = plan.undo(model._meta.label_lower)
    if undo is None or not every or not _sql_readable(model, every):
        return _restore_updated_one_by_one(model, changes)
    table, layers = undo
    same = shared == every
    assignments = []
    for name in sorted(every):
        column = _q(_field(model, name).column)
        value = _json_value(model, "u", name)
        assignments.append(f"{column} = {value}" if same
                           else f"{column} = CASE WHEN {_json_has('u', name)} THEN {value} ELSE t.{column} END")
    with connection.cursor() as cursor:
        for layer in range(1, layers + 1):
            cursor.execute(f"UPDATE {_q(model._meta.db_table)} AS t SET {', '.join(assignments)} "
                           f"FROM {table} u WHERE u.layer = %s AND t.id = u.object_id", [layer])
        if len(changes) > ANALYZE_AFTER_ROWS:
            analyze(cursor, model._meta.db_table)
    return len(changes)


def _restore_deleted(model: type[models.Model], batch: ImportBatch, changes: list[Change]) -> int:
    """Bring removed rows back with their old ids, so anything pointing to them points again: one
    ``INSERT … SELECT`` from the change records when each holds every field."""
    if not changes:
        return 0
    _every, names = _field_names(batch, model._meta.label_lower, ImportChange.Action.DELETED)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    covered = {f.attname for f in fields if f.attname in names or f.name in names}
    if len(covered) < len(fields) or not _sql_readable(model, names):
        return _restore_deleted_one_by_one(model, changes)
    by_field = {_field(model, name).attname: name for name in names}
    columns = ", ".join(_q(f.column) for f in fields)
    values = ", ".join(_json_value(model, "u", by_field[f.attname]) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_q(model._meta.db_table)} ({_q(model._meta.pk.column)}, {columns}) "
            f"SELECT u.object_id, {values} FROM {_q(ImportChange._meta.db_table)} u "
            f"WHERE u.batch_id = %s AND u.model = %s AND u.action = %s",
            [batch.pk, model._meta.label_lower, ImportChange.Action.DELETED])
        return max(cursor.rowcount, 0)


def _delete_bulk_created(model: type[models.Model], plan: RollbackPlan) -> int:
    """The rows ``batch`` created set-wise (and any it listed one by one that are still there)."""
    table = plan.created(model._meta.label_lower)
    if table is None:
        return 0
    with connection.cursor() as cursor:
        return rows_delete_where(cursor, model=model, condition=f"id IN (SELECT id FROM {table})", params=[])


def _later_batches(batch: ImportBatch, changes: list[Change]) -> list[int]:
    """Batches after ``batch`` (still in force) that changed a row ``batch`` changed.

    A row ``batch`` created set-wise is recognised in a later change by its previous batch number.
    """
    later = ImportChange.objects.filter(batch__pk__gt=batch.pk, batch__status__in=[  # in force, or leaving
        ImportBatch.Status.DONE, ImportBatch.Status.ROLLING_BACK])
    bulk = {c.model for c in changes if c.action == ImportChange.Action.BULK_CREATED}
    found: set[int] = set(later.filter(model__in=bulk, previous__batch_id=batch.pk)
                          .values_list("batch_id", flat=True).distinct()) if bulk else set()
    if any(c.action != ImportChange.Action.BULK_CREATED for c in changes):  # rows named one by one: a join
        mine = ImportChange.objects.filter(batch=batch, model=OuterRef("model"), object_id=OuterRef("object_id"))
        found |= set(later.exclude(action=ImportChange.Action.BULK_CREATED).filter(Exists(
            mine.exclude(action=ImportChange.Action.BULK_CREATED))).values_list("batch_id", flat=True).distinct())
    return sorted(found)


def _created_subtracted(plan: RollbackPlan) -> bool:
    """Take the offences and charges the batch created out of the derived tables as they are (the charges
    of those offences with them), before they are deleted. False when the tables are out of step."""
    from reports.aggregates import aggregates_subtract
    from reports.models import Charge, ReportedOffence

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
    from reports.models import Charge

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
    from reports.models import Charge, ReportedOffence

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
    from reports.aggregates import aggregates_move_out

    plan.charges_moved = _moved_charges(plan)
    if plan.charges_moved is None:
        return True
    offences, charges = _updated_rows(plan, plan.charges_moved)
    with connection.cursor() as cursor:
        return aggregates_move_out(cursor, offences=offences, charges=charges)


def _updated_added(plan: RollbackPlan) -> None:
    from reports.aggregates import aggregates_move_in

    if plan.charges_moved is None:
        return
    offences, charges = _updated_rows(plan, plan.charges_moved)
    with connection.cursor() as cursor:
        aggregates_move_in(cursor, offences=offences, charges=charges)


def _months_touched(plan: RollbackPlan, *, created: bool) -> frozenset[dt.date]:
    """The months whose figures rolling the batch back changes: of the offences it updated, as they are now
    and as they were, and of those it removed, as they were; with ``created`` also of those it created. A
    charge counts in the months of its offence. Read before anything is rolled back."""
    from reports.models import Charge, ReportedOffence

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
            if plan.undo(label):
                rows.append(f"SELECT DISTINCT object_id AS id FROM {plan.undo(label)[0]}")
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
        ids = sorted(previous_offences)
        for start in range(0, len(ids), CHUNK):
            part = ids[start:start + CHUNK]
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
    from reports.models import Charge

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
        from reports.models import ReportedOffence

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
        from reports.aggregates import aggregates_refresh
        from reports.models import ChargeFact, OffenceAggregate, ReportedOffence

        if self.readded:
            _updated_added(self.plan)
        # every municipality that has offences or derived rows, in the months the batch touched (no months:
        # nothing is regrouped; None: every month)
        aggregates_refresh(municipality_ids=set().union(*(
            model.objects.values_list("municipality_id", flat=True).distinct().order_by()
            for model in (ReportedOffence, OffenceAggregate, ChargeFact))), months=self.months)


def batch_rollback(*, batch: ImportBatch, user=None) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(batch=batch, ok=False, kind=batch.kind)
    if batch.status not in (ImportBatch.Status.DONE, ImportBatch.Status.ROLLING_BACK):
        result.message = f"Kørsel #{batch.pk} kan ikke rulles tilbage (status: {batch.get_status_display()})."
        return result
    from .scope import rollback_refused

    refused = rollback_refused(batch, user)  # every municipality it touched must be the user's
    if refused:
        result.message = refused
        return result
    changes = _changes(batch)
    blocking = _later_batches(batch, changes)
    if blocking:
        result.message = (
            f"Kørsel #{batch.pk} kan ikke rulles tilbage, fordi senere kørsler ("
            + ", ".join(f"#{b}" for b in blocking)
            + ") har ændret de samme rækker. Rul dem tilbage først."
        )
        return result
    counts = {"created": 0, "updated": 0, "deleted": 0}
    with transaction.atomic():
        started += writers_turn(batch.pk)
        by_model: dict[str, list[Change]] = {}
        for change in changes:
            by_model.setdefault(change.model, []).append(change)
        plan = RollbackPlan(batch, by_model).build()
        derived = DerivedUndo(plan) if {"reports.reportedoffence", "reports.charge"} & set(by_model) else None
        # charges before offences when deleting created rows; offences before charges when restoring
        order = sorted(by_model, key=lambda label: 0 if label == "reports.charge" else 1)
        for label in order:
            model = apps.get_model(label)
            created = [c.object_id for c in by_model[label] if c.action == ImportChange.Action.CREATED]
            for start in range(0, len(created), 2000):
                model.objects.filter(pk__in=created[start:start + 2000]).delete()
            counts["created"] += len(created)
            if any(c.action == ImportChange.Action.BULK_CREATED for c in by_model[label]):
                with _charges_upkeep_deferred(plan, wholesale=bool(derived and derived.wholesale)
                                              and label == "reports.reportedoffence"):
                    counts["created"] += _delete_bulk_created(model, plan)
        for label in reversed(order):
            model = apps.get_model(label)
            counts["updated"] += _restore_updated(model, [c for c in by_model[label]
                                                          if c.action == ImportChange.Action.UPDATED], plan)
            counts["deleted"] += _restore_deleted(model, batch, [c for c in by_model[label]
                                                                 if c.action == ImportChange.Action.DELETED])
        # waiting charges can find an offence only when offences come back or get their old values again; a batch
        # whose offences were all new loses them, and its charges wait (relinking them found none: 7.6 s at 1M)
        if any(c.action in (ImportChange.Action.UPDATED, ImportChange.Action.DELETED)
               for c in by_model.get("reports.reportedoffence", [])):
            charges_link()
        if derived:
            derived.finish()
        plan.drop()
        if "reports.categoryrule" in by_model:
            category_membership_refresh()
        data_changed()
        rolled_back(batch, user)
    audit_log(user=user, action="import_rollback", municipality=batch.municipality, target=f"#{batch.pk} {batch.file_name}",
              details=counts, municipalities=list(batch.municipalities.all()))
    result.ok = True
    result.rows_removed, result.rows_updated, result.rows_created = counts["created"], counts["updated"], counts["deleted"]
    result.message = (
        f"Kørsel #{batch.pk} er rullet tilbage på {time.perf_counter() - started:.1f} s: "
        f"{counts['created']} oprettede rækker fjernet, {counts['updated']} ændrede rækker gendannet, "
        f"{counts['deleted']} fjernede rækker genskabt."
    )
    return result
