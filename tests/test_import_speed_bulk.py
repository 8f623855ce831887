"""The fast paths of a large import change nothing but the speed.

A large first load builds the offence table's secondary indexes (and, on PostgreSQL, checks its
foreign keys) once, after the insert; the staging table is loaded in COPY's text format with
each distinct value formatted once. Same rows, same constraints, same guarantees.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from districts.addresses import DistrictLocator
from districts.models import District
from importers.models import ImportBatch, ImportChange
from importers.services import batch_rollback, bulk, file_import, police, stream
from reports.models import Charge, OffenceAggregate, ReportedOffence
from tests.importing import person_key

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "import"
COLUMNS = ["journal_number", "forhold", "report_date", "offence_date", "code", "code_text", "address",
           "postcode", "municipality_id", "district_id", "district_method", "x", "y", "police_initiated"]
HEADER = "Journalnummer;Forhold;Anmeldt dato;Gerningsdato;Gerningskode;Gerningskode tekst;Gerningssted;Postnr;Kommunekode;Bydel"


def _stored():
    return sorted(ReportedOffence.objects.values_list(*COLUMNS), key=repr)


def _schema(table: str) -> tuple[list, list]:
    """The table's indexes and constraints with their definitions."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = %s ORDER BY name", [table])
            indexes = cursor.fetchall()
            cursor.execute(f"PRAGMA foreign_key_list({table})")
            return indexes, sorted(cursor.fetchall())
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [table])
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred, convalidated "
                       "FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY conname", [table])
        return indexes, cursor.fetchall()


@pytest.mark.django_db(transaction=True)  # each import its own transaction, as in production
@pytest.mark.parametrize("streamed", [False, True])
def test_a_large_first_load_stores_the_same_rows_and_keeps_indexes_and_keys(reference, settings, monkeypatch,
                                                                               streamed):
    table = ReportedOffence._meta.db_table
    before = _schema(table)
    name = "anmeldelser_cp1252.csv"
    with monkeypatch.context() as large:
        large.setattr(bulk, "BULK_REBUILD_ROWS", 1)  # every load counts as large
        if streamed:
            settings.IMPORT_STREAM_BYTES = 0
            large.setattr(stream, "CHUNK_ROWS", 2)
        with CaptureQueriesContext(connection) as queries:
            result = file_import(path=DATA / name, file_name=name)
    assert result.ok, result.errors
    stored, aggregates = _stored(), _aggregates()
    sqls = [q["sql"] for q in queries.captured_queries]
    assert any(sql.startswith("DROP INDEX") for sql in sqls)  # the fast path ran
    if streamed:  # straight into the table: no staging or merged copy, the natural key built afterwards
        assert not any("stage_reportedoffence" in sql or "merged_reportedoffence" in sql for sql in sqls)
        if connection.vendor == "postgresql":
            assert any('DROP CONSTRAINT "offence_natural_key"' in sql for sql in sqls)
    assert ImportChange.objects.get(batch=result.batch).object_id == result.rows_created == 5
    assert _schema(table) == before
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:  # the foreign key is still checked
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with pytest.raises(IntegrityError):
                cursor.execute(f"UPDATE {table} SET municipality_id = -1 WHERE id = (SELECT MIN(id) FROM {table})")
    assert batch_rollback(batch=result.batch).ok
    assert ReportedOffence.objects.count() == 0

    settings.IMPORT_STREAM_BYTES = 32 * 1024 * 1024
    ordinary = file_import(data=(DATA / name).read_bytes(), file_name=name)
    assert ordinary.ok
    assert (result.rows_read, result.rows_created) == (ordinary.rows_read, ordinary.rows_created)
    assert result.warnings == ordinary.warnings
    assert (result.period_from, result.period_to) == (ordinary.period_from, ordinary.period_to)
    assert _stored() == stored
    assert _aggregates() == aggregates


def _aggregates():
    return sorted(OffenceAggregate.objects.values_list("municipality_id", "district_id", "code", "month", "basis",
                                                       "reports", "charges"), key=repr)


@pytest.fixture
def first_load(settings, monkeypatch):
    """Every file is streamed two rows a chunk and counts as large: a first load goes straight into the table."""
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk, "BULK_REBUILD_ROWS", 1)


def _offences_file(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="cp1252")
    return path


@pytest.mark.django_db(transaction=True)
def test_a_first_load_with_a_key_repeated_in_a_later_chunk_stores_nothing(reference, first_load, tmp_path):
    table = ReportedOffence._meta.db_table
    before = _schema(table)
    rows = [f"0400-4-{i}-16;1;05-02-2016;;73241;Simpel vold;Vejen {i};2620;165;" for i in range(7)]
    rows += [rows[1], rows[4].replace("Vejen", "Stien")]  # rows 3 and 6 again, in other chunks
    result = file_import(path=_offences_file(tmp_path / "dobbelt.csv", rows), file_name="dobbelt.csv")
    assert not result.ok and result.batch.status == ImportBatch.Status.REJECTED
    assert [(p.row, p.value, p.reason) for p in result.errors] == [
        (9, "0400-4-1-16 / 1", "Samme nøgle står allerede i række 3"),
        (10, "0400-4-4-16 / 1", "Samme nøgle står allerede i række 6"),
    ]
    assert ReportedOffence.objects.count() == 0 and ImportChange.objects.count() == 0
    assert _schema(table) == before


@pytest.mark.django_db(transaction=True)
def test_a_large_load_into_a_table_with_offences_merges_with_them(reference, first_load, tmp_path):
    rows = [f"0400-5-{i}-16;1;05-02-2016;;73241;Simpel vold;Vejen {i};2620;165;" for i in range(6)]
    assert file_import(path=_offences_file(tmp_path / "a.csv", rows[:3]), file_name="a.csv").ok
    changed = [rows[0].replace("73241", "71100"), *rows[1:]]
    with CaptureQueriesContext(connection) as queries:
        result = file_import(path=_offences_file(tmp_path / "b.csv", changed), file_name="b.csv")
    assert result.ok, result.errors
    assert (result.rows_created, result.rows_updated, result.rows_unchanged) == (3, 1, 2)
    assert any("merged_reportedoffence" in q["sql"] for q in queries.captured_queries)
    assert not any("DROP CONSTRAINT \"offence_natural_key\"" in q["sql"] for q in queries.captured_queries)
    assert ReportedOffence.objects.get(journal_number="0400-5-0-16").code == "71100"


@pytest.mark.django_db(transaction=True)
def test_a_load_the_database_refuses_fails_the_import_and_stores_nothing(reference, first_load, tmp_path,
                                                                                 monkeypatch):
    table = ReportedOffence._meta.db_table
    before = _schema(table)
    rows = [f"0400-6-{i}-16;1;05-02-2016;;73241;Simpel vold;Vejen {i};2620;165;" for i in range(5)]
    real = police.offences_rows

    def undated(frame, **kwargs):  # a value the column refuses: only the database finds out (a COPY in the background)
        stored, notes = real(frame, **kwargs)
        return stored.assign(report_date=None), notes

    monkeypatch.setattr(police, "offences_rows", undated)
    with pytest.raises(IntegrityError):
        file_import(path=_offences_file(tmp_path / "lang.csv", rows), file_name="lang.csv")
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert ReportedOffence.objects.count() == 0 and ImportChange.objects.count() == 0
    assert _schema(table) == before


def test_a_streamed_import_reports_its_progress_as_it_goes(reference, settings, monkeypatch, tmp_path):
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 25)
    rows = [f"0400-7-{i}-16;1;05-02-2016;;73241;Simpel vold;Vejen {i};2620;165;" for i in range(100)]
    seen = []
    result = file_import(path=_offences_file(tmp_path / "a.csv", rows), file_name="a.csv",
                         progress=lambda done, total: seen.append((done, total)))
    assert result.ok
    assert [done for done, _ in seen] == [25, 50, 75, 100]
    assert 90 <= seen[0][1] <= 110  # the file's rows, estimated from its size before reading it


@pytest.mark.django_db(transaction=True)
def test_a_large_load_that_fails_after_the_insert_leaves_schema_and_data_as_they_were(reference, monkeypatch):
    table = ReportedOffence._meta.db_table
    before = _schema(table)
    monkeypatch.setattr(bulk, "BULK_REBUILD_ROWS", 1)

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(police, "charges_link", broken)
    name = "anmeldelser_cp1252.csv"
    with pytest.raises(RuntimeError):
        file_import(data=(DATA / name).read_bytes(), file_name=name)
    assert ReportedOffence.objects.count() == 0 and ImportChange.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert _schema(table) == before


def test_cells_with_tabs_backslashes_and_line_breaks_are_stored_as_written(reference):
    plain = [f"0400-1-{i}-16;1;05-02-2016;;73241;Simpel vold;Vejen {i};2620;165;" for i in range(3, 30)]
    text = "\n".join([HEADER, *plain,
                      '0400-1-1-16;1;03-02-2016;;73241;"Vold\tmed\\tab";"Vejen 1\\2, ""st.""";2620;165;',
                      '0400-1-2-16;1;04-02-2016;;73241;"to\nlinjer\\N";\\N;2620;165;']) + "\n"
    result = file_import(data=text.encode("utf-8"), file_name="tegn.csv")  # the separator is sniffed on 20 lines
    assert result.ok, result.errors
    stored = dict(ReportedOffence.objects.filter(journal_number__in=["0400-1-1-16", "0400-1-2-16"])
                  .values_list("journal_number", "code_text"))
    assert stored == {"0400-1-1-16": "Vold\tmed\\tab", "0400-1-2-16": "to\nlinjer\\N"}
    addresses = dict(ReportedOffence.objects.filter(journal_number__in=["0400-1-1-16", "0400-1-2-16"])
                     .values_list("journal_number", "address"))
    assert addresses == {"0400-1-1-16": 'Vejen 1\\2, "st."', "0400-1-2-16": "\\N"}
    assert ReportedOffence.objects.get(journal_number="0400-1-2-16").offence_date is None


def test_repeated_dates_and_places_are_parsed_once_and_assigned_to_every_row(reference):
    rows = [f"0400-2-{i}-16;1;{'03-02-2016' if i % 2 else '2016-02-04'};;73241;Simpel vold;Hyldespjældet 10;2620;165;"
            for i in range(40)]
    result = file_import(data=("\n".join([HEADER, *rows]) + "\n").encode("cp1252"), file_name="mange.csv")
    assert result.ok, result.errors
    dates = sorted(set(ReportedOffence.objects.values_list("report_date", flat=True)))
    assert dates == [dt.date(2016, 2, 3), dt.date(2016, 2, 4)]
    expected = DistrictLocator.for_municipality(reference["165"]).locate(address="Hyldespjældet 10", postcode="2620")
    assert expected.district_id is not None
    assert set(ReportedOffence.objects.values_list("district_id", "district_method")) == {
        (expected.district_id, expected.method)}


def test_home_districts_are_looked_up_once_per_municipality_and_name(reference):
    header = "Journalnummer;Forhold;Person-ID;Sigtelsesdato;Fødselsår;Køn;Bopælskommune;Bopæl bydel"
    rows = [f"0400-3-{i}-16;1;P-{i};03-02-2016;1990;M;{home};{district}"
            for i, (home, district) in enumerate([("165", "Vester"), ("165", " vester "), ("165", "Nordby"),
                                                  ("151", "Vester"), ("Uoplyst", "Vester"), ("165", "")])]
    result = file_import(data=("\n".join([header, *rows]) + "\n").encode("cp1252"), file_name="sigtelser.csv")
    assert result.ok, result.errors
    vester = District.objects.get(municipality=reference["165"], name="Vester").pk
    stored = dict(Charge.objects.values_list("person_key", "home_district_id"))
    keys = [person_key(f"P-{i}") for i in range(6)]  # ids are stored keyed (issue 21)
    assert stored == dict(zip(keys, [vester, vester, None, None, None, None], strict=True))
    assert "Ukendte bopælsbydele (gemt uden bydel): Nordby, Vester" in result.warnings
