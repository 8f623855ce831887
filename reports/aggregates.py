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


def derived_tables_lock(cursor) -> None:
    """Writers of the derived tables take turns until they commit (PostgreSQL; SQLite has one writer at a
    time anyway). Two imports regrouping the same months would otherwise each delete what the other has
    not committed yet and insert their own rows: every count twice. Readers are not held up."""
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        cursor.execute(f"LOCK TABLE {q(OffenceAggregate._meta.db_table)}, {q(ChargeFact._meta.db_table)} "
                       "IN SHARE ROW EXCLUSIVE MODE")


def month_ranges(months: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Months (their first days) as few ranges as possible: (first day, first day after), adjacent months joined."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for month in sorted(set(months)):
        after = (month + dt.timedelta(days=32)).replace(day=1)
        if ranges and ranges[-1][1] == month:
            ranges[-1] = (ranges[-1][0], after)
        else:
            ranges.append((month, after))
    return ranges


@transaction.atomic
def aggregates_refresh(*, municipality_ids: Iterable[int], months: Iterable[dt.date] | None = None) -> int:
    """Recompute the aggregate rows and charge facts of these municipalities from the offences and charges.

    ``months`` (their first days) limits the work to them: an import gives the months of the
    rows it created or changed (new and previous dates), so a quarterly file regroups the
    quarter and the few older months its late-reported offences fall in, not ten years.
    Without ``months`` everything is recomputed.
    """
    ids = sorted({int(m) for m in municipality_ids})
    if not ids:
        return 0
    within, params = "", []
    if months is not None:
        ranges = month_ranges(months)
        if not ranges:
            return 0  # the write touched no dated rows
        within = " AND (" + " OR ".join("({column} >= %s AND {column} < %s)" for _range in ranges) + ")"
        params = [day.isoformat() for month_range in ranges for day in month_range]
    q = connection.ops.quote_name
    aggregate, offence, charge, facts = (q(m._meta.db_table) for m in (OffenceAggregate, ReportedOffence, Charge,
                                                                         ChargeFact))
    marks = ", ".join(["%s"] * len(ids))
    written = 0
    with connection.cursor() as cursor:
        derived_tables_lock(cursor)
        cursor.execute(f"DELETE FROM {aggregate} WHERE municipality_id IN ({marks})"
                       + within.format(column="month"), [*ids, *params])
        cursor.execute(f"DELETE FROM {facts} WHERE municipality_id IN ({marks})"
                       + within.format(column="date"), [*ids, *params])
        for basis, field in DATE_FIELDS.items():
            month = _month(f"o.{field}")
            dated = within.format(column=f"o.{field}")
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
                     where=f" AND o.municipality_id IN ({marks})" + within.format(column="{date}"),
                     params=[*ids, *params])
    data_changed()
    return written


def _groups_add(cursor, *, rows: str, column: str, create: bool, sign: int = 1) -> bool:
    """Group ``rows`` (SQL naming the offence of each row ``o``) per date basis, month, municipality,
    district and code, and add each group's count to ``column`` of its aggregate row (``sign`` -1:
    take it off). ``create`` makes the rows no group had yet; otherwise a missing row stops it: False."""
    q = connection.ops.quote_name
    aggregate = q(OffenceAggregate._meta.db_table)
    same_district = ("a.district_id IS NOT DISTINCT FROM x.district_id" if connection.vendor == "postgresql"
                     else "a.district_id IS x.district_id")
    same_group = (f"a.municipality_id = x.municipality_id AND {same_district} AND a.code = x.code "
                  "AND a.month = x.month AND a.basis = %s")
    derived_tables_lock(cursor)
    for basis, field in DATE_FIELDS.items():  # the rows are grouped once per basis, into a small table
        month = _month(f"o.{field}")
        cursor.execute("DROP TABLE IF EXISTS added_groups")
        cursor.execute(
            f"CREATE TEMPORARY TABLE added_groups AS SELECT o.municipality_id, o.district_id, o.code, {month} AS month, "
            f"COUNT(*) AS n FROM {rows} WHERE o.{field} IS NOT NULL "
            f"GROUP BY o.municipality_id, o.district_id, o.code, {month}")
        cursor.execute("SELECT COUNT(*) FROM added_groups")
        wanted = cursor.fetchone()[0]
        cursor.execute(f"UPDATE {aggregate} AS a SET {column} = a.{column} {'+' if sign > 0 else '-'} x.n "
                       f"FROM added_groups x WHERE {same_group}", [basis])
        updated = cursor.rowcount
        if create:
            other = "charges" if column == "reports" else "reports"
            cursor.execute(
                f"INSERT INTO {aggregate} (municipality_id, district_id, code, month, basis, {column}, {other}) "
                f"SELECT x.municipality_id, x.district_id, x.code, x.month, %s, x.n, 0 FROM added_groups x "
                f"WHERE NOT EXISTS (SELECT 1 FROM {aggregate} a WHERE {same_group})", [basis, basis])
            updated += cursor.rowcount
        cursor.execute("DROP TABLE added_groups")
        if updated != wanted:
            return False
    return True


def aggregates_add_offences(cursor, *, offences: str) -> None:
    """Add new offences to the aggregate rows of their groups, creating the groups they start, without
    regrouping anything else. ``offences`` is SQL yielding the new offences' rows (a new quarter: its
    late-reported offences would otherwise make a refresh regroup every month back to theirs). New
    offences have no charges yet; charges linked to them afterwards are added with ``aggregates_add_charges``."""
    _groups_add(cursor, rows=f"({offences}) o", column="reports", create=True)
    data_changed()


def aggregates_add_charges(cursor, *, charges: str) -> bool:
    """Add new charges to the aggregate rows of their offences, and their facts, without regrouping
    anything else.

    ``charges`` is SQL yielding the new charges' rows (``SELECT * FROM`` the charge table). Their
    offences are already counted, so each group's aggregate row exists; if one does not (the table is out of
    step), nothing is changed and False tells the caller to refresh instead.
    """
    offence = connection.ops.quote_name(ReportedOffence._meta.db_table)
    cursor.execute("SAVEPOINT add_charges")
    if not _groups_add(cursor, rows=f"({charges}) c JOIN {offence} o ON o.id = c.offence_id", column="charges",
                       create=False):
        cursor.execute("ROLLBACK TO SAVEPOINT add_charges")
        return False
    facts_insert(cursor, charges=f"({charges}) c JOIN {offence} o ON o.id = c.offence_id")
    cursor.execute("RELEASE SAVEPOINT add_charges")
    data_changed()
    return True


def aggregates_subtract(cursor, *, offences: str, charges: str) -> bool:
    """Take rows about to be deleted out of the aggregate table and the charge facts, without regrouping
    anything (a rollback of the rows an import created).

    ``offences`` is SQL yielding the offences that go, ``charges`` the charges whose counts go: those of
    the offences that go, and others that go themselves. If a group's row is missing (the table is out
    of step), nothing is changed and False tells the caller to regroup instead.
    """
    q = connection.ops.quote_name
    aggregate, offence, facts = (q(m._meta.db_table) for m in (OffenceAggregate, ReportedOffence, ChargeFact))
    cursor.execute("SAVEPOINT subtract")
    cursor.execute("DROP TABLE IF EXISTS charges_gone")
    cursor.execute(f"CREATE TEMPORARY TABLE charges_gone AS {charges}")  # read once, used three times
    cursor.execute("SELECT COUNT(*) FROM charges_gone")
    some_charges = cursor.fetchone()[0] > 0
    if not ((not some_charges or _groups_add(cursor, rows=f"charges_gone c JOIN {offence} o ON o.id = c.offence_id",
                                             column="charges", create=False, sign=-1))
            and _groups_add(cursor, rows=f"({offences}) o", column="reports", create=False, sign=-1)):
        cursor.execute("ROLLBACK TO SAVEPOINT subtract")
        return False
    if some_charges:
        cursor.execute(f"DELETE FROM {facts} WHERE (journal_number, forhold, person_key) IN "
                       "(SELECT journal_number, forhold, person_key FROM charges_gone)")
    cursor.execute("DROP TABLE charges_gone")
    cursor.execute(f"DELETE FROM {aggregate} WHERE reports = 0 AND charges = 0")  # groups nothing is left in
    cursor.execute("RELEASE SAVEPOINT subtract")
    data_changed()
    return True


def _moves(*, offences: str, charges: str, sign: int) -> str:
    """SQL: ``offences`` and ``charges`` (as in ``aggregates_subtract``) grouped per date basis and aggregate
    group, each group's counts times ``sign``."""
    offence = connection.ops.quote_name(ReportedOffence._meta.db_table)
    parts = []
    for basis, field in DATE_FIELDS.items():
        month = _month(f"o.{field}")
        for rows, column in ((f"({offences}) o", "reports"),
                             (f"({charges}) c JOIN {offence} o ON o.id = c.offence_id", "charges")):
            counts = (f"{sign} * COUNT(*) AS reports, 0 AS charges" if column == "reports"
                      else f"0 AS reports, {sign} * COUNT(*) AS charges")
            parts.append(f"SELECT '{basis}' AS basis, o.municipality_id AS municipality_id, o.district_id AS district_id, "
                         f"o.code AS code, {month} AS month, {counts} FROM {rows} "
                         f"WHERE o.{field} IS NOT NULL GROUP BY o.municipality_id, o.district_id, o.code, {month}")
    return " UNION ALL ".join(parts)


MOVE_COLUMNS = "basis, municipality_id, district_id, code, month, reports, charges"


def aggregates_move_out(cursor, *, offences: str, charges: str) -> bool:
    """The first half of moving rows within the derived tables (a rollback giving updated rows their old
    values back): note the counts of ``offences`` and ``charges`` (as in ``aggregates_subtract``) as they
    are now, to be taken off, and delete the facts of those charges. ``aggregates_move_in`` adds them as
    they are after the change, and applies both halves to the aggregate table in one statement: what it
    costs depends on the rows moved, not on the months they lie in. False (and nothing changed) when a
    group the rows are counted in has no aggregate row (the table is out of step)."""
    q = connection.ops.quote_name
    aggregate, facts = q(OffenceAggregate._meta.db_table), q(ChargeFact._meta.db_table)
    derived_tables_lock(cursor)
    cursor.execute("DROP TABLE IF EXISTS aggregate_moves")
    cursor.execute(f"CREATE TEMPORARY TABLE aggregate_moves AS SELECT * FROM ("
                   f"{_moves(offences=offences, charges=charges, sign=-1)}) m")
    _analyze(cursor, "aggregate_moves")
    cursor.execute(f"SELECT COUNT(*) FROM aggregate_moves m WHERE NOT EXISTS (SELECT 1 FROM {aggregate} a WHERE "
                   f"{_same_group('a', 'm')})")
    if cursor.fetchone()[0]:
        cursor.execute("DROP TABLE aggregate_moves")
        return False
    cursor.execute(f"DELETE FROM {facts} WHERE (journal_number, forhold, person_key) IN "
                   f"(SELECT journal_number, forhold, person_key FROM ({charges}) c)")
    return True


def aggregates_move_in(cursor, *, offences: str, charges: str) -> None:
    """The second half of a move (``aggregates_move_out``): count ``offences`` and ``charges`` as they are
    now, apply the difference to the aggregate rows (new groups get rows, empty ones go) and insert the
    charges' facts."""
    q = connection.ops.quote_name
    aggregate, offence = q(OffenceAggregate._meta.db_table), q(ReportedOffence._meta.db_table)
    cursor.execute(f"INSERT INTO aggregate_moves SELECT * FROM ({_moves(offences=offences, charges=charges, sign=1)}) m")
    cursor.execute("DROP TABLE IF EXISTS aggregate_net")
    cursor.execute(f"CREATE TEMPORARY TABLE aggregate_net AS SELECT {MOVE_COLUMNS.replace('reports, charges', '')} "
                   "SUM(reports) AS reports, SUM(charges) AS charges FROM aggregate_moves "
                   "GROUP BY basis, municipality_id, district_id, code, month "
                   "HAVING SUM(reports) <> 0 OR SUM(charges) <> 0")
    _analyze(cursor, "aggregate_net")
    cursor.execute(f"UPDATE {aggregate} AS a SET reports = a.reports + n.reports, charges = a.charges + n.charges "
                   f"FROM aggregate_net n WHERE {_same_group('a', 'n')}")
    cursor.execute(f"INSERT INTO {aggregate} ({MOVE_COLUMNS}) SELECT {MOVE_COLUMNS} FROM aggregate_net n "
                   f"WHERE NOT EXISTS (SELECT 1 FROM {aggregate} a WHERE {_same_group('a', 'n')})")
    cursor.execute(f"DELETE FROM {aggregate} WHERE reports = 0 AND charges = 0")
    facts_insert(cursor, charges=f"({charges}) c JOIN {offence} o ON o.id = c.offence_id")
    cursor.execute("DROP TABLE aggregate_moves")
    cursor.execute("DROP TABLE aggregate_net")
    data_changed()


def _analyze(cursor, table: str) -> None:
    """Planner statistics for a temporary table (PostgreSQL): without them the joins on the aggregate
    rows are planned as nested loops."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _same_group(a: str, x: str) -> str:
    same_district = (f"{a}.district_id IS NOT DISTINCT FROM {x}.district_id" if connection.vendor == "postgresql"
                     else f"{a}.district_id IS {x}.district_id")
    return (f"{a}.municipality_id = {x}.municipality_id AND {same_district} AND {a}.code = {x}.code "
            f"AND {a}.month = {x}.month AND {a}.basis = {x}.basis")


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

