"""Rolling a batch back: created rows go, updated rows get their values back, removed rows return."""

from __future__ import annotations

import datetime as dt
import time

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from importers.jobs import writers_turn
from importers.models import ImportBatch, ImportChange

from .bulk import _q, rows_delete_where
from .results import ImportResult, months_of
from .writer import CHUNK

OFFENCE_DATES = ("report_date", "offence_date")


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


def _restore_updated(model: type[models.Model], changes: list[ImportChange]) -> int:
    """Put the previous values back, in bulk per set of fields (an update changes all of a model's fields)."""
    by_fields: dict[tuple[str, ...], list[models.Model]] = {}
    for change in changes:
        values = _restore_values(model, change.previous or {})
        by_fields.setdefault(tuple(sorted(values)), []).append(model(pk=change.object_id, **values))
    for names, objects in by_fields.items():
        fields = [name[:-3] if name.endswith("_id") else name for name in names]
        model.objects.bulk_update(objects, fields, batch_size=CHUNK)
    return len(changes)


def _restore_deleted(model: type[models.Model], changes: list[ImportChange]) -> int:
    """Bring removed rows back with their old ids, so anything pointing to them points again."""
    objects = [model(pk=c.object_id, **_restore_values(model, c.previous or {})) for c in changes]
    model.objects.bulk_create(objects, batch_size=CHUNK)
    return len(objects)


def _delete_bulk_created(model: type[models.Model], batch: ImportBatch) -> int:
    """The rows ``batch`` created set-wise: they carry its number, and it did not update them."""
    with connection.cursor() as cursor:
        return rows_delete_where(cursor, model=model, condition=_created(model, batch, [], _q(model._meta.db_table)),
                                 params=[])


def _later_batches(batch: ImportBatch, changes: list[ImportChange]) -> list[int]:
    """Batches after ``batch`` (still in force) that changed a row ``batch`` changed.

    A row ``batch`` created set-wise is recognised in a later change by its previous batch number.
    """
    later = ImportChange.objects.filter(batch__pk__gt=batch.pk, batch__status__in=[  # in force, or leaving
        ImportBatch.Status.DONE, ImportBatch.Status.ROLLING_BACK])
    ids: dict[str, list[int]] = {}
    bulk = set()
    for change in changes:
        if change.action == ImportChange.Action.BULK_CREATED:
            bulk.add(change.model)
        else:
            ids.setdefault(change.model, []).append(change.object_id)
    found: set[int] = set(later.filter(model__in=bulk, previous__batch_id=batch.pk)
                          .values_list("batch_id", flat=True).distinct()) if bulk else set()
    for label, object_ids in ids.items():
        for start in range(0, len(object_ids), CHUNK):
            found |= set(later.filter(model=label, object_id__in=object_ids[start:start + CHUNK])
                         .values_list("batch_id", flat=True).distinct())
    return sorted(found)


def _created(model: type[models.Model], batch: ImportBatch, changes: list[ImportChange], alias: str) -> str:
    """SQL condition on ``alias`` for the rows of ``model`` that ``batch`` created: set-wise (they carry its
    number, and it did not update them) or one by one (their change records name them)."""
    updated = (f"SELECT object_id FROM {_q(ImportChange._meta.db_table)} WHERE batch_id = {int(batch.pk)} "
               f"AND model = '{model._meta.label_lower}' AND action = '{ImportChange.Action.UPDATED}'")
    one_by_one = ", ".join(str(int(c.object_id)) for c in changes if c.action == ImportChange.Action.CREATED)
    return (f"(({alias}.batch_id = {int(batch.pk)} AND {alias}.id NOT IN ({updated}))"
            + (f" OR {alias}.id IN ({one_by_one}))" if one_by_one else ")"))


def _created_subtracted(batch: ImportBatch, by_model: dict[str, list[ImportChange]]) -> bool:
    """Take the offences and charges ``batch`` created out of the derived tables as they are (the charges
    of those offences with them), before they are deleted. False when the tables are out of step."""
    from reports.aggregates import aggregates_subtract
    from reports.models import Charge, ReportedOffence

    offence, charge = _q(ReportedOffence._meta.db_table), _q(Charge._meta.db_table)
    offences = (f"SELECT * FROM {offence} o WHERE "
                + (_created(ReportedOffence, batch, by_model["reports.reportedoffence"], "o")
                   if "reports.reportedoffence" in by_model else "FALSE"))
    own = (_created(Charge, batch, by_model["reports.charge"], "c") if "reports.charge" in by_model else "FALSE")
    charges = (f"SELECT * FROM {charge} c WHERE c.offence_id IS NOT NULL AND "
               f"(c.offence_id IN (SELECT id FROM ({offences}) x) OR {own})")
    with connection.cursor() as cursor:
        return aggregates_subtract(cursor, offences=offences, charges=charges)


def _months_touched(batch: ImportBatch, by_model: dict[str, list[ImportChange]], *,
                    created: bool) -> frozenset[dt.date]:
    """The months whose figures rolling ``batch`` back changes: of the offences it updated, as they are now
    and as they were, and of those it removed, as they were; with ``created`` also of those it created. A
    charge counts in the months of its offence. Read before anything is rolled back."""
    from reports.models import Charge, ReportedOffence

    offence, charge = _q(ReportedOffence._meta.db_table), _q(Charge._meta.db_table)
    dates: list = []
    previous_offences: set[int] = set()
    with connection.cursor() as cursor:
        for label, changes in by_model.items():
            if label not in ("reports.reportedoffence", "reports.charge"):
                continue
            model = apps.get_model(label)
            mine, source = (("o", f"{offence} o") if label == "reports.reportedoffence"
                            else ("c", f"{charge} c JOIN {offence} o ON o.id = c.offence_id"))
            updated = [c.object_id for c in changes if c.action == ImportChange.Action.UPDATED]
            conditions = [f"{mine}.id IN ({', '.join(str(int(i)) for i in updated[start:start + CHUNK])})"
                          for start in range(0, len(updated), CHUNK)]
            if created:
                conditions.append(_created(model, batch, changes, mine))
            for condition in conditions:  # the rows as they are now
                cursor.execute(f"SELECT DISTINCT {', '.join(f'o.{d}' for d in OFFENCE_DATES)} FROM {source} "
                               f"WHERE {condition}")
                dates += [day for row in cursor.fetchall() for day in row]
            for change in changes:  # and as they were
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
    changes = list(ImportChange.objects.filter(batch=batch).order_by("-pk"))
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
        by_model: dict[str, list[ImportChange]] = {}
        for change in changes:
            by_model.setdefault(change.model, []).append(change)
        # created rows are taken out of the derived tables as they are; the months of the rows whose old
        # values come back are regrouped (all of them, created ones too, if the tables are out of step)
        derived = {"reports.reportedoffence", "reports.charge"} & set(by_model)
        months = (_months_touched(batch, by_model, created=not _created_subtracted(batch, by_model))
                  if derived else frozenset())
        # charges before offences when deleting created rows; offences before charges when restoring
        order = sorted(by_model, key=lambda label: 0 if label == "reports.charge" else 1)
        for label in order:
            model = apps.get_model(label)
            created = [c.object_id for c in by_model[label] if c.action == ImportChange.Action.CREATED]
            for start in range(0, len(created), 2000):
                model.objects.filter(pk__in=created[start:start + 2000]).delete()
            counts["created"] += len(created)
            if any(c.action == ImportChange.Action.BULK_CREATED for c in by_model[label]):
                counts["created"] += _delete_bulk_created(model, batch)
        for label in reversed(order):
            model = apps.get_model(label)
            counts["updated"] += _restore_updated(model, [c for c in by_model[label]
                                                          if c.action == ImportChange.Action.UPDATED])
            counts["deleted"] += _restore_deleted(model, [c for c in by_model[label]
                                                          if c.action == ImportChange.Action.DELETED])
        if "reports.reportedoffence" in by_model:
            from .police import charges_link

            charges_link()
        if derived:
            from reports.aggregates import aggregates_refresh
            from reports.models import ChargeFact, OffenceAggregate, ReportedOffence

            # every municipality that has offences or derived rows, in the months the batch touched
            aggregates_refresh(municipality_ids=set().union(*(
                model.objects.values_list("municipality_id", flat=True).distinct().order_by()
                for model in (ReportedOffence, OffenceAggregate, ChargeFact))), months=months)
        if "reports.categoryrule" in by_model:
            from reports.categories import category_membership_refresh

            category_membership_refresh()
        from reports.versioning import data_changed

        data_changed()
        batch.status = ImportBatch.Status.ROLLED_BACK
        batch.rolled_back_at = timezone.now()
        batch.rolled_back_by = user if getattr(user, "is_authenticated", False) else None
        batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
    from accounts.services import audit_log

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
