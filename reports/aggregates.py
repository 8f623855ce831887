"""The derived tables behind the figures, refreshed set-wise for the municipalities a write touched.

- ``OffenceAggregate``: one ``DELETE`` and one ``INSERT … SELECT … GROUP BY`` per date basis; the
  database groups the offences (and the charges through their offence) without a row passing
  through Python.
- ``ChargeFact``: each charge with its offence's municipality, date and code, per date basis, for
  the figures that count persons; deleted and inserted for the same municipalities and months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction

from .models import Charge, ChargeFact, OffenceAggregate, ReportedOffence
from .versioning import data_changed

DATE_FIELDS = {"report": "report_date", "offence": "offence_date"}
FACT_COLUMNS = ("basis", "municipality_id", "date", "code", "journal_number", "forhold", "person_key", "charge_date",
                "birth_year", "home_municipality_id", "home_district_id")


def facts_insert(cursor, *, charges: str, where: str = "", params: Iterable = ()) -> None:
    """Insert the facts of the charges ``charges`` (SQL naming the charge table ``c``, its offence ``o``),
    for both date bases in one statement, in the order of the offence-side index so that a
    municipality's rows lie together. ``where`` adds conditions and may name the fact's date ``{date}``.
    """
    q = connection.ops.quote_name
    bases = "(" + " UNION ALL ".join(f"SELECT '{basis}' AS basis" for basis in DATE_FIELDS) + ")"
    date = "CASE b.basis " + " ".join(f"WHEN '{basis}' THEN o.{field}" for basis, field in DATE_FIELDS.items()) + " END"
    cursor.execute(
        f"INSERT INTO {q(ChargeFact._meta.db_table)} ({', '.join(FACT_COLUMNS)}) "
        f"SELECT b.basis, o.municipality_id, {date}, o.code, c.journal_number, c.forhold, c.person_key, c.charge_date, "
        f"c.birth_year, c.home_municipality_id, c.home_district_id FROM {charges} CROSS JOIN {bases} b "
        f"WHERE {date} IS NOT NULL{where.format(date=date)} ORDER BY o.municipality_id, b.basis, {date}",
        list(params),
    )


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


@transaction.atomic
def aggregates_refresh(*, municipality_ids: Iterable[int], window: tuple | None = None) -> int:
    """Recompute the aggregate rows and charge facts of these municipalities from the offences and charges.

    ``window`` (first date, last date) limits the work to the months it spans: an import
    gives the dates it may have changed (new and previous values), so a quarterly file
    regroups a few months, not ten years. Without a window everything is recomputed.
    """
    ids = sorted({int(m) for m in municipality_ids})
    if not ids:
        return 0
    months, params = "", []
    if window is not None:
        if window[0] is None or window[1] is None:
            return 0  # the write touched no dated rows
        first = window[0].replace(day=1)
        after = (window[1].replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months, params = " AND {column} >= %s AND {column} < %s", [first.isoformat(), after.isoformat()]
    q = connection.ops.quote_name
    aggregate, offence, charge, facts = (q(m._meta.db_table) for m in (OffenceAggregate, ReportedOffence, Charge,
                                                                         ChargeFact))
    marks = ", ".join(["%s"] * len(ids))
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {aggregate} WHERE municipality_id IN ({marks})"
                       + months.format(column="month"), [*ids, *params])
        cursor.execute(f"DELETE FROM {facts} WHERE municipality_id IN ({marks})"
                       + months.format(column="date"), [*ids, *params])
        for basis, field in DATE_FIELDS.items():
            month = _month(f"o.{field}")
            dated = months.format(column=f"o.{field}")
            cursor.execute(
                f"INSERT INTO {aggregate} (municipality_id, district_id, code, month, basis, reports, charges) "
                f"SELECT municipality_id, district_id, code, month, %s, SUM(r), SUM(c) FROM ("
                f"  SELECT o.municipality_id, o.district_id, o.code, {month} AS month, 1 AS r, 0 AS c "
                f"  FROM {offence} o WHERE o.municipality_id IN ({marks}) AND o.{field} IS NOT NULL{dated}"
                f"  UNION ALL"
                f"  SELECT o.municipality_id, o.district_id, o.code, {month} AS month, 0 AS r, 1 AS c "
                f"  FROM {charge} c JOIN {offence} o ON o.id = c.offence_id"
                f"  WHERE o.municipality_id IN ({marks}) AND o.{field} IS NOT NULL{dated}"
                f") rows GROUP BY municipality_id, district_id, code, month",
                [basis, *ids, *params, *ids, *params],
            )
            written += max(cursor.rowcount, 0)
        facts_insert(cursor, charges=f"{charge} c JOIN {offence} o ON o.id = c.offence_id",
                     where=f" AND o.municipality_id IN ({marks})" + months.format(column="{date}"),
                     params=[*ids, *params])
    data_changed()
    return written


def aggregates_add_charges(cursor, *, charges: str) -> bool:
    """Add new charges to the aggregate rows of their offences, and their facts, without regrouping
    anything else.

    ``charges`` is SQL yielding the new charges' rows (``SELECT * FROM`` the charge table). Their
    offences are already counted, so each group's aggregate row exists; if one does not (the table is out of
    step), nothing is changed and False tells the caller to refresh instead.
    """
    q = connection.ops.quote_name
    aggregate, offence, charge = (q(m._meta.db_table) for m in (OffenceAggregate, ReportedOffence, Charge))
    same_district = ("a.district_id IS NOT DISTINCT FROM x.district_id" if connection.vendor == "postgresql"
                     else "a.district_id IS x.district_id")
    cursor.execute("SAVEPOINT add_charges")
    for basis, field in DATE_FIELDS.items():  # the charges are grouped once per basis, into a small table
        cursor.execute("DROP TABLE IF EXISTS charge_groups")
        cursor.execute(
            f"CREATE TEMPORARY TABLE charge_groups AS "
            f"SELECT o.municipality_id, o.district_id, o.code, {_month(f'o.{field}')} AS month, COUNT(*) AS n "
            f"FROM ({charges}) c JOIN {offence} o ON o.id = c.offence_id WHERE o.{field} IS NOT NULL "
            f"GROUP BY o.municipality_id, o.district_id, o.code, {_month(f'o.{field}')}")
        cursor.execute("SELECT COUNT(*) FROM charge_groups")
        wanted = cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {aggregate} AS a SET charges = a.charges + x.n FROM charge_groups x "
            f"WHERE a.municipality_id = x.municipality_id AND {same_district} AND a.code = x.code "
            f"AND a.month = x.month AND a.basis = %s", [basis],
        )
        updated = cursor.rowcount
        cursor.execute("DROP TABLE charge_groups")
        if updated != wanted:
            cursor.execute("ROLLBACK TO SAVEPOINT add_charges")
            return False
    facts_insert(cursor, charges=f"({charges}) c JOIN {offence} o ON o.id = c.offence_id")
    cursor.execute("RELEASE SAVEPOINT add_charges")
    data_changed()
    return True


def district_deleting(sender, instance, **_ignored) -> None:
    """Before a district is deleted (``pre_delete``, inside the deleting transaction).

    Its offences and its residents' charges keep their rows but lose their district (``SET_NULL``), so they
    count as "unknown district" from now on; ``CASCADE`` then deletes the district's aggregate rows. Their counts
    are first added to the municipality's unknown-district rows (new rows where there is none yet), and the charge
    facts of its residents, in any municipality, drop the district. A few set-wise statements, however much data.
    """
    q = connection.ops.quote_name
    aggregate, facts = q(OffenceAggregate._meta.db_table), q(ChargeFact._meta.db_table)
    same = "u.municipality_id = d.municipality_id AND u.code = d.code AND u.month = d.month AND u.basis = d.basis"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {aggregate} AS u SET reports = u.reports + d.reports, charges = u.charges + d.charges "
            f"FROM {aggregate} d WHERE d.district_id = %s AND u.district_id IS NULL AND {same}", [instance.pk])
        cursor.execute(
            f"INSERT INTO {aggregate} (municipality_id, district_id, code, month, basis, reports, charges) "
            f"SELECT d.municipality_id, NULL, d.code, d.month, d.basis, d.reports, d.charges FROM {aggregate} d "
            f"WHERE d.district_id = %s AND NOT EXISTS ("
            f"  SELECT 1 FROM {aggregate} u WHERE u.district_id IS NULL AND {same})", [instance.pk])
        cursor.execute(f"UPDATE {facts} SET home_district_id = NULL WHERE home_district_id = %s", [instance.pk])
    data_changed()


def derived_tables_vacuum() -> bool:
    """``VACUUM (ANALYZE)`` the aggregate table and the charge facts (PostgreSQL, outside a transaction).

    The young people's share reads the facts' covering index alone only where vacuum has marked the pages
    all-visible. Autovacuum gets there once a fifth of a table is new: on ten years of data, after some eight
    quarterly imports, and never where it is switched off (as on our machines). Run after each write by the
    warming job; vacuum skips pages it has marked before, so it takes seconds even at 5M offences.
    Returns whether it ran.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        for model in (OffenceAggregate, ChargeFact):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return True

