"""Rollback at scale (issue 21, finding 4): set-based statements over temporary tables keyed by id.

Every case checks the rows and the derived tables against what they were before the batch, on SQLite
and (``DATABASE_URL``) PostgreSQL: a recoding batch whose updated rows move between groups and months,
a row a batch updated twice, a first load rolled back wholesale while its charges stay, and derived
tables out of step.
"""

import datetime as dt

import pytest
from django.db import connection

from importers.models import ImportBatch, ImportChange
from importers.services import batch_rollback, file_import, rollback, rollback_derived
from reports import aggregates
from reports.models import Charge, ChargeFact, OffenceAggregate, ReportedOffence

from .test_aggregates import assert_consistent

pytestmark = pytest.mark.django_db

OFFENCE_FIELDS = ("journal_number", "forhold", "report_date", "offence_date", "code", "code_text", "address",
                  "postcode", "municipality_id", "district_id", "district_method", "x", "y", "police_initiated",
                  "batch_id")


def rows(queryset):
    return sorted(queryset, key=repr)  # some columns hold None


def offences():
    return rows(ReportedOffence.objects.values_list(*OFFENCE_FIELDS))


def derived():
    return (rows(OffenceAggregate.objects.values_list("municipality_id", "district_id", "code", "month", "basis",
                                                      "reports", "charges")),
            rows(ChargeFact.objects.values_list("basis", "journal_number", "forhold", "person_key", "date", "code")))


def charges():
    return rows(Charge.objects.values_list("journal_number", "forhold", "person_key", "offence_id", "batch_id"))


def recoding(import_data) -> bytes:
    """Three of the five offences again: one recoded, one reported a year later (another month), one with
    another code and address; the two others as they are."""
    lines = import_data("anmeldelser_cp1252.csv").split(b"\r\n")
    first = lines[1].replace(b";73241;Simpel vold;", b";75120;Butikstyveri;")
    third = lines[3].replace(b"15-03-2016;14-03-2016", b"15-03-2017;14-03-2017")
    fourth = lines[4].replace(b";84110;Lov om euforiserende stoffer;Ukendt Vej 1;",
                              b";73241;Simpel vold;Hyldespj\xe6ldet 10;")
    return b"\r\n".join([lines[0], first, lines[2], third, fourth, lines[5], b""])


@pytest.fixture
def regrouped(monkeypatch):
    """The months every aggregates_refresh was asked to regroup (None: every month)."""
    months, refresh = [], aggregates.aggregates_refresh

    def recording(*, municipality_ids, months_=None, **kwargs):
        chosen = kwargs.get("months", months_)
        months.append(None if chosen is None else sorted(f"{m:%Y-%m}" for m in chosen))
        return refresh(municipality_ids=municipality_ids, months=chosen)

    monkeypatch.setattr(aggregates, "aggregates_refresh", recording)
    return months


def test_a_recoding_batch_rolls_back_to_every_value_and_count_without_regrouping(reference, import_data, regrouped):
    albertslund = reference["165"]
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv").ok
    before = offences(), derived(), charges()
    recoded = file_import(data=recoding(import_data), file_name="omkodet.csv")
    assert recoded.ok and recoded.rows_updated == 3, recoded.message
    assert offences() != before[0] and derived() != before[1]
    assert_consistent(albertslund)
    regrouped.clear()

    result = batch_rollback(batch=recoded.batch)

    assert result.ok and result.rows_updated == 3, result.message
    assert (offences(), derived(), charges()) == before
    assert_consistent(albertslund)
    assert regrouped == [[]]  # the three rows' counts were moved back, no month regrouped


def test_a_row_the_batch_updated_twice_gets_its_oldest_value_back(reference, import_data):
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    before = offences()
    offence = ReportedOffence.objects.get(journal_number="0400-70211-00001-16")
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.OFFENCES, status=ImportBatch.Status.DONE,
                                       municipality=reference["165"])
    # as if two steps of the batch had changed the code: 73241 → 75120 → 75310
    for old in ("73241", "75120"):
        ImportChange.objects.create(batch=batch, model="reports.reportedoffence", object_id=offence.pk,
                                    action=ImportChange.Action.UPDATED,
                                    previous={"code": old, "batch_id": offence.batch_id})
    ReportedOffence.objects.filter(pk=offence.pk).update(code="75310", batch=batch)
    aggregates.aggregates_refresh(municipality_ids=[reference["165"].pk])

    assert batch_rollback(batch=batch).ok
    assert offences() == before
    assert_consistent(reference["165"])


def test_the_fields_sql_cannot_read_from_json_are_restored_through_the_orm():
    """A district's boundary (a JSON field) is not put back by SQL; plain values and dates are."""
    from districts.models import District

    assert not rollback._sql_readable(District, {"boundary"})
    assert rollback._sql_readable(ReportedOffence, {"report_date", "municipality_id", "x", "police_initiated"})
    assert not rollback._sql_readable(ImportBatch, {"created_at"})  # a date and time: its text differs by engine


def foreign_keys_and_indexes(table):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                           "UNION SELECT indexname FROM pg_indexes WHERE tablename = %s", [table, table])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        return sorted(row[0] for row in cursor.fetchall())


def test_a_first_load_goes_wholesale_and_its_charges_wait_again(reference, import_data, regrouped, monkeypatch):
    """Removing most of the offences regroups every month from what is left, and takes the charges' keys
    and indexes away while their offences go: they are all back afterwards, and the charges wait."""
    monkeypatch.setattr(rollback_derived, "WHOLESALE_ROWS", 1)
    albertslund = reference["165"]
    charge_table = Charge._meta.db_table
    keys = foreign_keys_and_indexes(charge_table)
    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv").ok
    first = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv")
    assert first.ok and Charge.objects.filter(offence__isnull=False).count() == 3
    regrouped.clear()

    result = batch_rollback(batch=first.batch)

    assert result.ok and result.rows_removed == 5, result.message
    assert regrouped == [None]  # every month, from the rows that are left
    assert not ReportedOffence.objects.exists()
    assert Charge.objects.count() == 4 and not Charge.objects.filter(offence__isnull=False).exists()
    assert not OffenceAggregate.objects.exists() and not ChargeFact.objects.exists()
    assert foreign_keys_and_indexes(charge_table) == keys
    again = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a2.csv")
    assert again.ok and Charge.objects.filter(offence__isnull=False).count() == 3  # linked again
    assert_consistent(albertslund)


def test_a_half_load_among_more_offences_is_taken_out_as_it_is(reference, import_data, regrouped, monkeypatch):
    """Fewer than half of the offences: no wholesale regrouping, the created rows are subtracted."""
    monkeypatch.setattr(rollback_derived, "WHOLESALE_ROWS", 1)
    albertslund = reference["165"]
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    before = offences(), derived()
    late = import_data("anmeldelser_cp1252.csv").split(b"\r\n")[0] + (
        b"\r\n0400-70211-00005-20;1;12-03-2020;28-12-2012;73241;Simpel vold;;2620;165;;N\r\n")
    one = file_import(data=late, file_name="sent.csv")
    regrouped.clear()
    assert batch_rollback(batch=one.batch).ok
    assert regrouped == [[]] and (offences(), derived()) == before
    assert_consistent(albertslund)


def test_derived_tables_out_of_step_are_regrouped_in_the_months_touched(reference, import_data, regrouped):
    albertslund = reference["165"]
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv").ok
    before = offences()
    recoded = file_import(data=recoding(import_data), file_name="omkodet.csv")
    OffenceAggregate.objects.filter(code="75120").delete()  # out of step: a group's row is missing
    regrouped.clear()
    assert batch_rollback(batch=recoded.batch).ok
    assert offences() == before
    assert regrouped and regrouped[0] and dt.date(2016, 2, 1).strftime("%Y-%m") in regrouped[0]
    assert_consistent(albertslund)
