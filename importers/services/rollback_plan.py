"""What a rollback acts on: the batch's change records, and the rows they name in temporary tables keyed
by id (``RollbackPlan``), which every later statement of the rollback joins."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection

from importers.models import ImportBatch, ImportChange
from reports.models import Charge

from .table_upkeep import analyze
from .table_upkeep import quoted as _q
from .writer import CHUNK


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
