"""Natural-key create-or-update that records every change for rollback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import models

from importers.models import ImportBatch, ImportChange

from .results import Counts

CHUNK = 2000


def jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def rows_upsert(
    *, model: type[models.Model], rows: list[dict], key: tuple[str, ...], fields: list[str],
    batch: ImportBatch, existing: dict[tuple, dict], progress: Callable[[int], None] | None = None,
) -> Counts:
    """Create rows whose key is new, update those whose ``fields`` differ, count the rest.

    ``existing`` maps key → current values (with ``pk``) for the keys in ``rows``.
    Every created and updated row points to ``batch`` and leaves an ``ImportChange``.
    """
    counts = Counts(read=len(rows))
    to_create, to_update, changes = [], [], []
    for row in rows:
        current = existing.get(tuple(row[k] for k in key))
        if current is None:
            to_create.append(model(**row, batch=batch))
            continue
        differing = [f for f in fields if current.get(f) != row.get(f)]
        if not differing:
            counts.unchanged += 1
            continue
        changes.append(ImportChange(
            batch=batch, model=model_label(model), object_id=current["pk"],
            action=ImportChange.Action.UPDATED,
            previous={f: jsonable(current.get(f)) for f in [*fields, "batch_id"]},
        ))
        to_update.append(model(pk=current["pk"], **{k: row[k] for k in key}, **{f: row.get(f) for f in fields},
                               batch=batch))
    for start in range(0, len(to_create), CHUNK):
        created = model._default_manager.bulk_create(to_create[start:start + CHUNK])
        changes.extend(
            ImportChange(batch=batch, model=model_label(model), object_id=obj.pk,
                         action=ImportChange.Action.CREATED)
            for obj in created
        )
        if progress:
            progress(len(created))
    for start in range(0, len(to_update), CHUNK):
        model._default_manager.bulk_update(to_update[start:start + CHUNK], [*fields, "batch"])
        if progress:
            progress(len(to_update[start:start + CHUNK]))
    ImportChange.objects.bulk_create(changes, batch_size=CHUNK)
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def rows_delete(*, model: type[models.Model], queryset: models.QuerySet, batch: ImportBatch,
                fields: Iterable[str]) -> int:
    """Delete rows, keeping their values so a rollback can bring them back."""
    fields = list(fields)
    values = list(queryset.values("pk", *fields, "batch_id"))
    ImportChange.objects.bulk_create(
        [ImportChange(batch=batch, model=model_label(model), object_id=v["pk"],
                      action=ImportChange.Action.DELETED,
                      previous={k: jsonable(val) for k, val in v.items() if k != "pk"})
         for v in values],
        batch_size=CHUNK,
    )
    for start in range(0, len(values), CHUNK):
        model._default_manager.filter(pk__in=[v["pk"] for v in values[start:start + CHUNK]]).delete()
    return len(values)


def existing_by_key(*, model: type[models.Model], key: tuple[str, ...], fields: list[str],
                    keys: list[tuple], lookup: str) -> dict[tuple, dict]:
    """Current rows for ``keys``, fetched in chunks by the ``lookup`` field (e.g. journal number)."""
    position = key.index(lookup)
    wanted = sorted({k[position] for k in keys})
    found: dict[tuple, dict] = {}
    for start in range(0, len(wanted), CHUNK):
        for row in model._default_manager.filter(**{f"{lookup}__in": wanted[start:start + CHUNK]}).values(
            "pk", *key, *fields
        ):
            found[tuple(row[k] for k in key)] = row
    return found
