"""Rolling a batch back: created rows go, updated rows get their values back, removed rows return."""

from __future__ import annotations

import datetime as dt
import time
from typing import cast

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
from .results import ImportResult
from .rollback_derived import DerivedUndo, _charges_upkeep_deferred
from .rollback_plan import Change, RollbackPlan, _changes, _with_previous
from .scope import rollback_refused
from .table_upkeep import analyze, rows_delete_where
from .table_upkeep import quoted as _q
from .writer import CHUNK


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
        model._default_manager.bulk_update(objects, fields, batch_size=CHUNK)
    return len(changes)


def _restore_deleted_one_by_one(model: type[models.Model], changes: list[Change]) -> int:
    """Bring removed rows back with their old ids through the ORM (fields SQL cannot read from JSON, or
    change records that do not hold every field: the model's defaults fill the others)."""
    objects = [model(pk=c.object_id, **_restore_values(model, c.previous or {})) for c in _with_previous(changes)]
    model._default_manager.bulk_create(objects, batch_size=CHUNK)
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
    return cast(models.Field, model._meta.get_field(name))


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


def batch_rollback(*, batch: ImportBatch, user=None) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(batch=batch, ok=False, kind=batch.kind)
    if batch.status not in (ImportBatch.Status.DONE, ImportBatch.Status.ROLLING_BACK):
        result.message = f"Kørsel #{batch.pk} kan ikke rulles tilbage (status: {batch.get_status_display()})."
        return result

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
