"""The aggregate table behind the figures: refreshed set-wise for the municipalities a write touched.

One ``DELETE`` and one ``INSERT … SELECT … GROUP BY`` per date basis: the database groups the
offences (and the charges through their offence) without a row passing through Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction

from .models import Charge, OffenceAggregate, ReportedOffence
from .versioning import data_changed

DATE_FIELDS = {"report": "report_date", "offence": "offence_date"}


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


@transaction.atomic
def aggregates_refresh(*, municipality_ids: Iterable[int], window: tuple | None = None) -> int:
    """Recompute the aggregate rows of these municipalities from the offences and charges.

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
    aggregate, offence, charge = (q(m._meta.db_table) for m in (OffenceAggregate, ReportedOffence, Charge))
    marks = ", ".join(["%s"] * len(ids))
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {aggregate} WHERE municipality_id IN ({marks})"
                       + months.format(column="month"), [*ids, *params])
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
    data_changed()
    return written


def aggregates_add_charges(cursor, *, charges: str) -> bool:
    """Add new charges to the aggregate rows of their offences, without regrouping anything else.

    ``charges`` is SQL yielding the new charges' ``offence_id``. Their offences are already
    counted, so each group's aggregate row exists; if one does not (the table is out of step),
    nothing is changed and False tells the caller to refresh instead.
    """
    q = connection.ops.quote_name
    aggregate, offence = q(OffenceAggregate._meta.db_table), q(ReportedOffence._meta.db_table)
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
    cursor.execute("RELEASE SAVEPOINT add_charges")
    data_changed()
    return True
