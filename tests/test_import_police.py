import datetime as dt

import pytest
from django.core.management import call_command

from importers.models import ImportBatch
from importers.services import batch_rollback, file_import
from reports.models import Charge, ReportedOffence

pytestmark = pytest.mark.django_db


def load(import_data, name, **kw):
    return file_import(data=import_data(name), file_name=name, **kw)


def test_offences_windows1252_semicolon_danish_dates(reference, import_data):
    result = load(import_data, "anmeldelser_cp1252.csv")
    assert result.ok, result.errors
    assert result.kind == "offences"
    assert (result.rows_read, result.rows_created) == (5, 5)
    assert (result.period_from, result.period_to) == (dt.date(2016, 2, 3), dt.date(2016, 10, 1))
    first = ReportedOffence.objects.get(journal_number="0400-70211-00001-16")
    assert first.report_date == dt.date(2016, 2, 3)
    assert first.offence_date == dt.date(2016, 2, 1)
    assert first.municipality.code == "165"
    assert (first.district.name, first.district_method) == ("Lund", "street")  # street table
    burglary = ReportedOffence.objects.get(journal_number="0400-70211-00002-16", forhold=1)
    assert burglary.district.name == "Vester"  # "Topperne 4, 1. th." – floor and door ignored
    assert burglary.municipality.name == "Albertslund"  # given by name
    assert ReportedOffence.objects.get(journal_number="0400-70211-00003-16").police_initiated is True
    unknown = ReportedOffence.objects.get(journal_number="0400-70211-00003-16")
    assert (unknown.district, unknown.district_method) == (None, "unknown")
    assert ReportedOffence.objects.get(code="99999").district.name == "Øster"  # the Bydel column wins
    assert any("99999" in w for w in result.warnings)  # unmapped code is a warning
    assert any("ikke placeres i en bydel" in w for w in result.warnings)
    assert result.batch.status == "done" and result.batch.duration_seconds is not None


def test_offences_utf8_bom_comma_quoted_addresses(reference, import_data):
    result = load(import_data, "anmeldelser_utf8bom.csv")
    assert result.ok, result.errors
    car = ReportedOffence.objects.get(journal_number="0400-70211-00010-17")
    assert car.code_text == "Tyveri fra bil, båd mv."
    assert car.address == "Lundevej 12, 1. th."
    assert car.district.name == "Lund"  # Lundevej, even numbers 2–60
    assert ReportedOffence.objects.get(journal_number="0400-70211-00011-17").offence_date is None


def test_offences_tab_separated_and_dotted_dates(reference, import_data):
    result = load(import_data, "anmeldelser_tab.tsv")
    assert result.ok, result.errors
    assert ReportedOffence.objects.get(journal_number="0400-70211-00020-18").report_date == dt.date(2018, 4, 11)
    assert ReportedOffence.objects.get(journal_number="0400-70211-00020-18").municipality.code == "165"


def test_charges_with_cpr_are_hashed_and_orphans_linked_later(reference, import_data):
    result = load(import_data, "sigtelser_cpr.csv")
    assert result.ok, result.errors
    assert result.kind == "charges"
    assert Charge.objects.count() == 4
    assert Charge.objects.filter(offence__isnull=True).count() == 4  # offences not loaded yet
    assert any("ikke er indlæst endnu" in w for w in result.warnings)
    assert any("Navn" in w for w in result.warnings)  # the name column is ignored, and said so
    born_98 = Charge.objects.get(birth_year=1998)
    assert born_98.sex == "M" and born_98.person_key.startswith("cpr:")
    assert born_98.home_municipality.code == "165" and born_98.home_district.name == "Vester"
    assert Charge.objects.get(birth_year=1999).home_municipality is None  # "Uoplyst"
    assert Charge.objects.get(birth_year=2005).sex == "K"
    assert Charge.objects.get(birth_year=1903).home_municipality.name == "Høje-Taastrup"

    load(import_data, "anmeldelser_cp1252.csv")
    assert Charge.objects.filter(offence__isnull=True).count() == 1  # 0400-70211-09999-16 still waiting
    assert Charge.objects.filter(offence__journal_number="0400-70211-00001-16").count() == 2


def test_person_keys_are_stable_across_imports(reference, import_data):
    load(import_data, "sigtelser_cpr.csv")
    keys = set(Charge.objects.values_list("person_key", flat=True))
    Charge.objects.all().delete()
    ImportBatch.objects.all().delete()
    load(import_data, "sigtelser_cpr.csv")
    assert set(Charge.objects.values_list("person_key", flat=True)) == keys


def test_no_raw_cpr_anywhere(reference, import_data, capsys):
    call_command("import_file", str(_path("sigtelser_cpr.csv")))
    output = capsys.readouterr()
    dump = output.out + output.err
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump += repr(cursor.fetchall())
    for raw in ("010203-1234", "0102031234", "2512984321", "251298", "311299", "Anders And"):
        assert raw not in dump


def test_combined_police_sheet_loads_offences_and_charges(reference, import_data):
    result = load(import_data, "politi_kombineret.csv")
    assert result.ok, result.errors
    assert result.kind == "police"
    assert ReportedOffence.objects.count() == 2
    assert Charge.objects.count() == 2
    assert Charge.objects.filter(offence__journal_number="0400-70211-00030-17").count() == 2
    assert set(Charge.objects.values_list("home_municipality__name", flat=True)) == {"Albertslund", "Vallensbæk"}
    again = load(import_data, "politi_kombineret.csv")
    assert again.batch.status == "unchanged"


def test_xlsx_with_two_sheets(reference, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Anmeldelser"
    sheet.append(["Journalnummer", "Forhold", "Anmeldt dato", "Gerningskode", "Kommunekode", "Gerningssted"])
    sheet.append(["0400-1-17", 1, dt.datetime(2017, 5, 2, 14, 0), 73241, 165, "=cmd|' /C calc'!A0"])
    sheet.append(["0400-2-17", 1, 42860, "75310", "165", "Hyldespjældet 2"])  # Excel serial: 2017-05-05
    charges = book.create_sheet("Sigtelser")
    charges.append(["Journalnummer", "Forhold", "Person-ID", "Fødselsår", "Køn", "Bopælskommune"])
    charges.append(["0400-1-17", 1, "P-1", 2001, "M", "Ishøj"])
    path = tmp_path / "udtraek.xlsx"
    book.save(path)
    result = file_import(data=path.read_bytes(), file_name="udtraek.xlsx")
    assert result.ok, result.errors
    assert result.kind == "police"
    assert ReportedOffence.objects.get(journal_number="0400-1-17").report_date == dt.date(2017, 5, 2)
    assert ReportedOffence.objects.get(journal_number="0400-2-17").report_date == dt.date(2017, 5, 5)
    assert ReportedOffence.objects.get(journal_number="0400-1-17").address == "=cmd|' /C calc'!A0"
    assert Charge.objects.get().offence.journal_number == "0400-1-17"


def test_reimport_same_file_changes_nothing_and_corrected_file_updates(reference, import_data):
    load(import_data, "anmeldelser_cp1252.csv")
    again = load(import_data, "anmeldelser_cp1252.csv")
    assert again.batch.status == "unchanged" and again.rows_created == 0
    assert "allerede indlæst" in again.message
    corrected = import_data("anmeldelser_cp1252.csv").replace(b"73241;Simpel vold", b"73251;Alvorligere vold")
    result = file_import(data=corrected, file_name="rettet.csv")
    assert (result.rows_created, result.rows_updated, result.rows_unchanged) == (0, 1, 4)
    assert ReportedOffence.objects.get(journal_number="0400-70211-00001-16").code == "73251"


def test_replace_period_removes_absent_offences_and_rollback_restores(reference, import_data):
    load(import_data, "anmeldelser_cp1252.csv")  # five offences in 2016
    before = set(ReportedOffence.objects.values_list("journal_number", "forhold", "code"))
    smaller = b"\r\n".join(import_data("anmeldelser_cp1252.csv").split(b"\r\n")[:3]) + b"\r\n"
    smaller = smaller.replace(b"73241;Simpel vold", b"73251;Alvorligere vold")
    result = file_import(data=smaller, file_name="q1.csv",
                         options={"replace_period": (dt.date(2016, 1, 1), dt.date(2016, 12, 31))})
    assert result.ok
    assert (result.rows_updated, result.rows_unchanged, result.rows_removed) == (1, 1, 3)
    assert ReportedOffence.objects.count() == 2
    rollback = batch_rollback(batch=result.batch)
    assert rollback.ok, rollback.message
    assert set(ReportedOffence.objects.values_list("journal_number", "forhold", "code")) == before
    assert ImportBatch.objects.get(pk=result.batch.pk).status == "rolled_back"


def test_rollback_removes_created_rows_and_unlinks_charges(reference, import_data):
    load(import_data, "sigtelser_cpr.csv")
    offences = load(import_data, "anmeldelser_cp1252.csv")
    assert Charge.objects.filter(offence__isnull=False).count() == 3
    assert batch_rollback(batch=offences.batch).ok
    assert ReportedOffence.objects.count() == 0
    assert Charge.objects.count() == 4 and Charge.objects.filter(offence__isnull=False).count() == 0


def test_rollback_refused_when_a_later_batch_changed_the_rows(reference, import_data):
    first = load(import_data, "anmeldelser_cp1252.csv")
    corrected = import_data("anmeldelser_cp1252.csv").replace(b"73241;Simpel vold", b"73251;Alvorligere vold")
    second = file_import(data=corrected, file_name="rettet.csv")
    refused = batch_rollback(batch=first.batch)
    assert not refused.ok and f"#{second.batch.pk}" in refused.message
    assert batch_rollback(batch=second.batch).ok
    assert ReportedOffence.objects.get(journal_number="0400-70211-00001-16").code == "73241"
    assert batch_rollback(batch=first.batch).ok
    assert ReportedOffence.objects.count() == 0


def _path(name):
    from pathlib import Path

    return Path(__file__).parent / "data" / "import" / name


def test_preview_shows_the_district_each_offence_will_count_in(reference, import_data):
    preview = load(import_data, "anmeldelser_cp1252.csv", dry_run=True)
    assert preview.ok and ReportedOffence.objects.count() == 0
    first = preview.preview[0]
    assert (first["address"], first["assigned_district"], first["district_method"]) == (
        "Hyldespjældet 10", "Lund", "street")  # the method's code: its label is the reader's language
    assert [r["assigned_district"] for r in preview.preview].count("Ukendt bydel") == 1
    assert preview.columns[-2:] == ["assigned_district", "district_method"]
