"""Importer details: person columns, ages, coordinates, population variants, detection, progress,
dry runs, failures and rollback of category files. Every expected number is worked out by hand."""

import datetime as dt

import pytest
from django.core.management import call_command

from districts.addresses import DistrictLocator, address_split
from districts.models import District, PopulationCount
from importers.models import ImportBatch, ImportChange
from importers.parsers.police import cpr_person
from importers.services import batch_rollback, file_import, kind_detect, progress_get
from reports.models import Charge, OffenceCategory, ReportCategory, ReportedOffence
from tests.importing import person_key

pytestmark = pytest.mark.django_db

HEADER = "Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Gerningssted\n"


def load(import_data, name, **kw):
    return file_import(data=import_data(name), file_name=name, **kw)


# --- person columns and ages -------------------------------------------------------------


def test_personnummer_is_a_cpr_column_whatever_its_cells_hold(reference, import_data):
    # formats.md §2 (amended by issue 21): a "Personnummer" column holding police ids is no longer
    # taken for a person id column; each cell is a masked row error, and nothing is stored.
    # (sigtelser_personnummer.tsv is now headed "Løbenummer", as a file of police ids must be.)
    data = import_data("sigtelser_personnummer.tsv").replace("Løbenummer".encode(), b"Personnummer")
    result = file_import(data=data, file_name="sigtelser.tsv")
    assert not result.ok and Charge.objects.count() == 0
    assert [(p.row, p.column, p.value) for p in result.errors] == [(2, "CPR", "*-*****"), (3, "CPR", "*-*****")]
    assert "P-0010" not in repr(result.batch.errors)


def test_police_ids_are_keyed_and_age_counts_from_the_charge_date(reference, import_data):
    result = load(import_data, "sigtelser_personnummer.tsv")
    assert result.ok, result.errors
    young = Charge.objects.get(person_key=person_key("P-00101"))
    assert young.birth_year == 2016 - 17  # charged 12-03-2016 at age 17
    assert young.home_municipality.name == "Albertslund"
    # no charge date: the age counts from the current year, so only check it was derived
    assert Charge.objects.get(person_key=person_key("P-00102")).birth_year is not None


def test_cpr_numbers_in_a_person_id_column_are_hashed_never_stored(reference):
    data = ("Journalnummer;Forhold;Person-ID;Sigtet dato\n"
            "0400-1-16;1;010203-1234;12-03-2016\n"
            "0400-1-16;2;P-77;12-03-2016\n").encode()
    result = file_import(data=data, file_name="sigtelser.csv")
    assert result.ok, result.errors
    keys = sorted(Charge.objects.values_list("person_key", flat=True))
    assert keys[1] == person_key("P-77") and keys[0].startswith("cpr:") and "010203" not in keys[0]
    assert Charge.objects.get(forhold=1).birth_year == 1903
    assert "010203" not in repr(result.preview) + repr(result.batch.errors) + repr(result.batch.warnings)


@pytest.mark.parametrize(("cpr", "year", "sex"), [
    ("010203-1234", 1903, "K"),  # 7th digit 0–3: 1900s
    ("0102034235", 2003, "M"),   # 4, year ≤ 36: 2000s
    ("010240-4235", 1940, "M"),  # 4, year ≥ 37: 1900s
    ("010257-5001", 2057, "M"),  # 5–8, year ≤ 57: 2000s
    ("010258-5001", 1858, "M"),  # 5–8, year ≥ 58: 1800s
    ("311299-9002", 1999, "K"),  # 9, year ≥ 37: 1900s
])
def test_cpr_century_and_sex(cpr, year, sex):
    key, born, derived_sex = cpr_person(cpr, secret="s")
    assert (born, derived_sex) == (year, sex)
    assert key == cpr_person(cpr.replace("-", ""), secret="s")[0]  # same person with or without dash
    assert key != cpr_person(cpr, secret="another secret")[0]


def test_combined_sheet_age_counts_from_the_report_date(reference):
    data = ("Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Person-ID;Alder;Køn\n"
            "0400-9-15;1;20-06-2015;73241;165;P-9;16;M\n").encode()
    result = file_import(data=data, file_name="kombineret.csv")
    assert result.ok and result.kind == "police"
    assert Charge.objects.get().birth_year == 1999


# --- offences: coordinates, codes, columns ---------------------------------------------


def test_coordinates_in_utm32_place_offences_in_district_boundaries(reference, import_data):
    result = load(import_data, "anmeldelser_koordinater.csv")
    assert result.ok, result.errors
    placed = {o.journal_number[-5:-3]: (o.district.name if o.district else None, o.district_method)
              for o in ReportedOffence.objects.all()}
    assert placed == {
        "40": ("Vester", "point"),   # decimal comma coordinates
        "41": ("Lund", "point"),     # decimal point coordinates
        "42": (None, "unknown"),     # no coordinates, street not in the table
        "43": ("Lund", "street"),    # the street table comes before the point (which lies in Øster)
    }
    assert ReportedOffence.objects.get(journal_number="0400-70211-00040-19").x == pytest.approx(709486.8)
    assert any("1 anmeldelser kunne ikke placeres" in w for w in result.warnings)


def test_a_later_extract_without_some_columns_leaves_those_fields_alone(reference, import_data):
    load(import_data, "anmeldelser_cp1252.csv")
    data = ("Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode\n"
            "0400-70211-00001-16;1;03-02-2016;73251;165\n").encode()
    result = file_import(data=data, file_name="uden_adresse.csv")
    assert (result.rows_updated, result.rows_unchanged) == (1, 0)
    offence = ReportedOffence.objects.get(journal_number="0400-70211-00001-16")
    assert offence.code == "73251"  # corrected by the police
    assert offence.offence_date == dt.date(2016, 2, 1)  # no Gerningsdato column: kept
    assert (offence.address, offence.district.name) == ("Hyldespjældet 10", "Lund")  # no address column: kept
    assert offence.code_text == "Simpel vold"
    assert batch_rollback(batch=result.batch).ok
    assert ReportedOffence.objects.get(journal_number="0400-70211-00001-16").code == "73241"


def test_offence_code_must_have_five_or_six_digits(reference):
    data = (HEADER + "0400-1-16;1;03-02-2016;7324;165;Bybuen 1\n"
            "0400-2-16;1;03-02-2016;;165;Bybuen 1\n"
            "0400-3-16;1;03-02-2016;732411;165;Bybuen 1\n").encode()
    result = file_import(data=data, file_name="koder.csv")
    assert not result.ok
    assert [(p.row, p.column, p.value) for p in result.errors] == [(2, "Gerningskode", "7324"),
                                                                   (3, "Gerningskode", "")]
    assert "5–6 cifre" in result.errors[0].reason
    assert result.rows_rejected == 2 and ReportedOffence.objects.count() == 0


def test_two_missing_columns_are_both_named(reference):
    result = file_import(data=b"Journalnummer;Kommunekode\n0400-1-16;165\n", file_name="f.csv", kind="offences")
    assert not result.ok
    assert "mangler de påkrævede kolonner 'Anmeldt dato', 'Gerningskode'" in result.message
    assert "Fundne kolonner: 'Journalnummer', 'Kommunekode'" in result.message


def test_xlsx_offence_sheet_found_by_name_after_a_cover_sheet(reference, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Forside"
    book.active.append(["Udtræk fra POLSAS", "Københavns Vestegns Politi"])
    sheet = book.create_sheet("Anmeldelser 2016")
    sheet.append(["Journalnr", "Anmeldt dato", "Gkode", "Kommune", "Adresse"])
    sheet.append(["0400-5-16", dt.date(2016, 3, 1), "73241", "Albertslund", "=HYPERLINK(\"http://x\")"])
    sheet.append(["0400-6-16", "42431", "75110", 165, "Lundevej 12"])  # serial as text: 42370 = 1 Jan 2016, +31+29+1
    path = tmp_path / "udtraek.xlsx"
    book.save(path)
    result = file_import(data=path.read_bytes(), file_name=path.name, kind="offences")
    assert result.ok, result.errors
    assert ReportedOffence.objects.get(journal_number="0400-5-16").address == '=HYPERLINK("http://x")'
    assert ReportedOffence.objects.get(journal_number="0400-6-16").report_date == dt.date(2016, 3, 2)
    assert (result.period_from, result.period_to) == (dt.date(2016, 3, 1), dt.date(2016, 3, 2))


# --- population --------------------------------------------------------------------------


def test_population_with_sex_bands_names_and_thousands_dots(reference, import_data):
    result = load(import_data, "befolkning_koen.csv")  # municipality from the Kommunekode column
    assert result.ok, result.errors
    day = dt.date(2017, 1, 1)
    rows = set(PopulationCount.objects.filter(date=day).values_list("district__name", "sex", "age_from", "age_to",
                                                                    "count"))
    assert rows == {
        ("Vester", "M", 0, 125, 4400), ("Vester", "K", 0, 125, 4350),
        ("Øster", "M", 0, 125, 4900), ("Øster", "K", 0, 125, 4960),
        ("Lund", "", 15, 17, 176), ("Lund", "", 0, 125, 9170),
    }
    again = file_import(data=load_bytes("befolkning_koen.csv").replace(b"9.170", b"9.171"), file_name="rettet.csv")
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 1, 5)


# --- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("anmeldelser_cp1252.csv", "offences"), ("anmeldelser_tab.tsv", "offences"),
    ("anmeldelser_utf8bom.csv", "offences"), ("sigtelser_cpr.csv", "charges"),
    ("sigtelser_personnummer.tsv", "charges"), ("politi_kombineret.csv", "police"),
    ("befolkning.csv", "population"), ("vejtabel.csv", "streets"), ("gerningstyper.csv", "categories"),
    ("noegletal.csv", "metrics"), ("graenser_wgs84.geojson", "boundaries"),
])
def test_kind_is_recognised_from_headers_or_extension(import_data, name, kind):
    assert kind_detect(data=import_data(name), file_name=name) == kind


# --- address → district -----------------------------------------------------------------------


@pytest.mark.parametrize(("address", "expected"), [
    ("Lundevej 12, 1. th.", ("lundevej", 12, "")),
    ("Lundevej 12A", ("lundevej", 12, "A")),
    ("  LUNDEVEJ   12 b , st.", ("lundevej", 12, "B")),
    ("Galgebakken Sønder 4 st. tv.", ("galgebakken sønder", 4, "")),
    ("Lundevej", ("lundevej", None, "")),
])
def test_address_split_ignores_floor_and_door(address, expected):
    assert address_split(address) == expected


def test_locator_sides_letters_and_postcode():
    locator = DistrictLocator(
        districts={"Vester": 1, "Øster": 2, "Lund": 3},
        ranges=[
            {"street_name": "Vej A", "house_from": 1, "house_to": 99, "side": "ulige", "postcode": "2620",
             "district_id": 1},
            {"street_name": "Vej A", "house_from": 2, "house_to": 98, "side": "lige", "postcode": "2620",
             "district_id": 2},
            {"street_name": "Vej B", "house_from": 10, "house_from_letter": "B", "house_to": 12, "side": "begge",
             "postcode": "", "district_id": 3},
        ],
        boundaries={},
    )
    assert locator.locate(address="vej a 7").district_id == 1
    assert locator.locate(address="Vej A 8, 2. tv.").district_id == 2
    assert locator.locate(address="Vej A 8", postcode="2600").district_id is None  # other postcode
    assert locator.locate(address="Vej A 101").district_id is None
    assert locator.locate(address="Vej B 10").district_id is None  # range starts at 10B
    assert locator.locate(address="Vej B 10C").district_id == 3
    assert locator.locate(address="Vej B 12F").district_id == 3  # any letter of the last number
    assert locator.locate(district=" lund ", address="Vej A 7").method == "column"
    assert locator.locate(district="Midt", address="Vej A 7").method == "street"


def test_locator_works_out_each_place_once_and_remembers_a_bounded_number(monkeypatch):
    """The chunks of a streamed file share their locators: a place seen in an earlier chunk is not
    worked out again, and the memory stops growing at ``REMEMBERED`` places."""
    locator = DistrictLocator(districts={"Vester": 1}, boundaries={}, ranges=[
        {"street_name": "Vej A", "house_from": 1, "house_to": 99, "side": "begge", "postcode": "", "district_id": 1}])
    worked_out = []
    original = locator._locate
    monkeypatch.setattr(locator, "_locate", lambda **place: worked_out.append(place) or original(**place))
    monkeypatch.setattr(DistrictLocator, "REMEMBERED", 2)
    for _chunk in range(3):
        assert locator.locate(address="Vej A 7").district_id == 1
        assert locator.locate(address="Vej A 8", x=1.0, y=2.0).district_id == 1
        assert locator.locate(district="vester").method == "column"
    assert [p["address"] or p["district"] for p in worked_out] == ["Vej A 7", "Vej A 8", "vester", "vester", "vester"]
    assert len(locator._seen) == 2


# --- batches: dry run, same file, progress, failure -------------------------------------------------


def test_dry_run_says_when_the_file_is_already_loaded(reference, import_data):
    first = load(import_data, "anmeldelser_tab.tsv")
    preview = load(import_data, "anmeldelser_tab.tsv", dry_run=True)
    assert preview.ok and preview.batch.status == "preview"
    assert any(f"kørsel #{first.batch.pk}" in w for w in preview.warnings)
    assert len(preview.preview) == 2 and ReportedOffence.objects.count() == 2


def test_same_file_confirmed_from_a_preview_batch_is_unchanged(reference, import_data):
    """The web UI keeps its preview on the batch (and its bookkeeping under "_" keys); neither may hide a repeat."""
    load(import_data, "anmeldelser_tab.tsv")
    preview = load(import_data, "anmeldelser_tab.tsv", dry_run=True)
    batch = preview.batch
    batch.options = {**batch.options, "_kind_requested": "auto"}
    batch.preview = {"rows": preview.preview, "message": preview.message}
    batch.save()
    confirmed = load(import_data, "anmeldelser_tab.tsv", batch=batch)
    assert confirmed.batch.status == "unchanged" and confirmed.rows_created == 0
    assert ImportBatch.objects.get(pk=batch.pk).preview["message"] == preview.message  # kept for the page


def test_progress_reaches_the_callback_cache_and_batch(reference, import_data, monkeypatch):
    from importers.services import staging

    monkeypatch.setattr(staging, "LOAD_CHUNK", 2)
    seen = []

    def callback(done, total):
        batch_id = ImportBatch.objects.order_by("-pk").values_list("pk", flat=True).first()
        seen.append((done, total, progress_get(batch_id)))

    result = load(import_data, "anmeldelser_cp1252.csv", progress=callback)
    assert result.ok
    assert [(d, t) for d, t, _p in seen] == [(2, 5), (4, 5), (5, 5)]
    assert [p for _d, _t, p in seen] == [40, 80, 99]  # capped below 100 until the batch is saved
    assert ImportBatch.objects.get(pk=result.batch.pk).progress == 100


def test_unexpected_failure_marks_the_batch_failed_and_writes_nothing(reference, import_data, monkeypatch):
    from importers.services import police

    def broken(**kwargs):
        ReportedOffence.objects.create(journal_number="half", forhold=1, report_date=dt.date(2016, 1, 1),
                                       code="73241", municipality=reference["165"])
        raise RuntimeError("disk full")

    monkeypatch.setattr(police, "charges_write", broken)
    with pytest.raises(RuntimeError):
        load(import_data, "politi_kombineret.csv")
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "fejlede uventet" in batch.errors[0]["reason"]
    assert ReportedOffence.objects.count() == 0 and Charge.objects.count() == 0
    assert ImportChange.objects.count() == 0


# --- boundaries and categories ----------------------------------------------------------------


def test_boundaries_with_an_unknown_district_are_refused_at_preview(reference, import_data):
    before = dict(District.objects.values_list("name", "boundary"))
    data = import_data("graenser_wgs84.geojson").replace(b'"Lund"', b'"Midtbyen"')
    preview = file_import(data=data, file_name="g.geojson", municipality=reference["165"], dry_run=True)
    assert not preview.ok
    assert "Ukendt bydel i Albertslund" in preview.errors[0].reason and preview.errors[0].value == "Midtbyen"
    no_municipality = file_import(data=import_data("graenser_wgs84.geojson"), file_name="g.geojson")
    assert not no_municipality.ok and "Vælg den kommune" in no_municipality.errors[0].reason
    assert dict(District.objects.values_list("name", "boundary")) == before


def test_boundary_rollback_restores_the_previous_polygon(reference, import_data):
    before = District.objects.get(name="Lund").boundary
    result = load(import_data, "graenser_wgs84.geojson", municipality=reference["165"])
    assert result.rows_updated == 1 and District.objects.get(name="Lund").boundary != before
    assert batch_rollback(batch=result.batch).ok
    assert District.objects.get(name="Lund").boundary == before


def test_category_file_with_a_new_category_rolls_back_completely(reference):
    ReportedOffence.objects.create(journal_number="r1", forhold=1, report_date=dt.date(2016, 5, 1), code="76319",
                                   municipality=reference["165"])
    ReportedOffence.objects.create(journal_number="r2", forhold=1, report_date=dt.date(2016, 5, 2), code="76319",
                                   municipality=reference["165"])
    data = "Kategori;Kode;Kilde;Navn;Kommunekode\nraeveri;76319;politi;Gaderøveri;165\n".encode()
    result = file_import(data=data, file_name="roeveri.csv")
    assert result.ok, result.errors
    assert "Gerningstypen raeveri: 1 koder kom med (2 anmeldelser), 0 faldt ud (0 anmeldelser)." in result.warnings
    assert ReportCategory.objects.filter(category__slug="raeveri", municipality__code="165").exists()
    assert batch_rollback(batch=result.batch).ok
    assert not OffenceCategory.objects.filter(slug="raeveri").exists()
    assert not ReportCategory.objects.filter(category__slug="raeveri").exists()


# --- command ------------------------------------------------------------------------------------------


def test_command_replace_period_in_danish_dates_prints_the_summary(reference, import_data, tmp_path, capsys):
    load(import_data, "anmeldelser_cp1252.csv")  # 5 offences, 3 Feb – 1 Oct 2016
    path = tmp_path / "h1.csv"
    path.write_text(HEADER + "0400-70211-00001-16;1;03-02-2016;73241;165;Hyldespjældet 10\n", encoding="utf-8")
    call_command("import_file", str(path), "--replace-period", "01-01-2016:2016-06-30", "--kind", "offences")
    out = capsys.readouterr().out
    # the row equals the stored offence in every column the file has: unchanged
    assert "rækker læst 1, oprettet 0, opdateret 0, uændret 1, fjernet 2, afvist 0" in out
    assert "periode 03-02-2016 – 03-02-2016" in out
    # left: the offence in the file and the two reported after 30 June
    assert ReportedOffence.objects.count() == 3
    assert "\r  [" not in out  # no progress bar when stdout is not a terminal


def load_bytes(name):
    from pathlib import Path

    return (Path(__file__).parent / "data" / "import" / name).read_bytes()
