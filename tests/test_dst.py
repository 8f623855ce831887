import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from comparisons.models import DstValue
from districts.models import PopulationCount
from importers.services import file_import
from reports.models import OffenceCode

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data" / "dst"


def load(name, **options):
    return file_import(data=(DATA / name).read_bytes(), file_name=name, options=options)


def value(table, area, dims, period):
    return DstValue.objects.get(table=table, area_code=area, dims=dims, period=period).value


def test_api_csv_danish_codes_labels_decimal_comma_and_missing(reference):
    result = load("STRAF11_api_da.csv")
    assert result.ok, result.errors
    assert result.kind == "dst"
    assert value("STRAF11", "165", "OVERTRÆD=1320", "2016K2") == 25
    assert value("STRAF11", "165", "OVERTRÆD=TOT", "2016K2") is None  # ".." is missing, not 0
    assert value("STRAF11", "000", "OVERTRÆD=1320", "2016K1") == 8000
    assert OffenceCode.objects.filter(source="dst", code="1320").exists()


def test_api_csv_english_needs_table_name(reference):
    refused = load("api_en.csv")
    assert not refused.ok and "'DST-tabel'" in refused.message and "--" not in refused.message  # web: the form's field
    assert "--dst-table" in refused.cli_message  # the command line: its option
    result = load("api_en.csv", dst_table="STRAF11")
    assert result.ok, result.errors
    assert value("STRAF11", "165", "OVERTRÆD=TOT", "2016K2") == 402.5  # 2016Q2 → 2016K2


def test_website_csv_wide_with_title_label_rows_and_footnote(reference):
    result = load("straf11_web.csv")
    assert result.ok, result.errors
    # stored under DST's code for the label (the table's metadata), as the API CSV and PC-Axis forms store it
    assert value("STRAF11", "187", "OVERTRÆD=1320", "2016K3") == 10
    assert value("STRAF11", "187", "OVERTRÆD=1320", "2016K2") is None
    assert DstValue.objects.count() == 8


def test_website_csv_without_title_is_refused_until_table_and_fixed_values_given(reference):
    refused = load("uden_titel.csv")
    assert not refused.ok
    assert "'DST-tabel'" in refused.message and "'DST faste værdier'" in refused.message
    assert "--" not in refused.message
    assert "--dst-table" in refused.cli_message and "--dst-fixed" in refused.cli_message
    result = load("uden_titel.csv", dst_table="STRAF11", dst_fixed={"OVERTRÆD": "TOT"})
    assert result.ok, result.errors
    assert value("STRAF11", "183", "OVERTRÆD=TOT", "2016K2") == 310


def test_damaged_letters_matched_uniquely_with_a_warning(reference):
    result = load("beskadiget.csv", dst_table="STRAF11", dst_fixed={"OVERTRÆD": "TOT"})
    assert result.ok, result.errors
    assert {v.area_code for v in DstValue.objects.all()} == {"101", "169", "183"}
    assert any("ødelagt" in w for w in result.warnings)


def test_pc_axis_with_codepage_and_missing_cells(reference):
    result = load("straf11.px")
    assert result.ok, result.errors
    assert value("STRAF11", "169", "OVERTRÆD=1252", "2016K2") == 22
    assert value("STRAF11", "165", "OVERTRÆD=1252", "2016K2") is None
    assert DstValue.objects.get(area_code="169", dims="OVERTRÆD=1320", period="2016K1").area_name == "Høje-Taastrup"


def test_reimport_unchanged_and_rollback(reference):
    first = load("straf11.px")
    again = load("straf11.px")
    assert again.batch.status == "unchanged"
    from importers.services import batch_rollback

    assert batch_rollback(batch=first.batch).ok and not DstValue.objects.exists()


def test_real_files_give_published_values(reference):
    folder = Path(settings.BASE_DIR) / "fixtures" / "dst"  # the real files, copied into the repository
    quarterly = file_import(data=(folder / "folketal_kvartal_kommuner_2008K1-2022K3.csv").read_bytes(),
                            file_name="folketal_kvartal_kommuner_2008K1-2022K3.csv")
    assert quarterly.ok, quarterly.errors
    assert value("FOLK1A", "101", "", "2008K1") == 509861
    assert value("FOLK1A", "165", "", "2016K3") == 27792
    assert PopulationCount.objects.get(municipality__code="165", district__isnull=True, date=dt.date(2016, 7, 1),
                                       sex="", age_from=0, age_to=125).count == 27792
    yearly = file_import(data=(DATA / "befolkning_kommuner_statbank_web.csv").read_bytes(),
                         file_name="befolkning_kommuner_statbank_web.csv")
    assert yearly.ok, yearly.errors
    men = "BEVÆGELSE=Befolkningen ultimo indeværende år|KØN=1"
    assert value("BEV22", "101", men, "2006") == 248190
    women = "BEVÆGELSE=Befolkningen ultimo indeværende år|KØN=2"
    assert value("BEV22", "851", women, "2021") == 109616  # Aalborg, the file's last data row


def test_comparison_computed_by_hand(reference):
    from comparisons.services import comparison_table

    load("STRAF11_api_da.csv")
    from districts.models import Municipality

    albertslund = Municipality.objects.get(code="165")
    PopulationCount.objects.create(municipality=albertslund, date=dt.date(2016, 7, 1), count=25000)
    from comparisons.models import DstValue as V

    V.objects.create(table="FOLK1A", area_code="000", dims="", period="2016K3", value=5_000_000)
    table = comparison_table(municipality=albertslund, period="2016", categories=["1320"], peers="000")
    rows = {r.municipality_code: r for r in table.itertuples()}
    # Albertslund: 30+25+20+25 = 100 burglaries / 25.000 × 1000 = 4,0; country 28.000 / 5.000.000 = 5,6
    assert rows["165"].reports == 100 and rows["165"].reports_per_1000 == pytest.approx(4.0)
    assert rows["000"].reports == 28000 and rows["000"].reports_per_1000 == pytest.approx(5.6)
    assert list(table.columns) == ["period", "municipality_code", "municipality", "category", "reports",
                                   "population", "reports_per_1000"]
    # the category slug counts its DST codes; a half-year without all quarters is missing, not partial
    indbrud = comparison_table(municipality=albertslund, period="2016", categories=["indbrud"], peers="000")
    assert indbrud.set_index("municipality_code").loc["165", "reports"] == 100
    total = comparison_table(municipality=albertslund, period="2016H1", categories=["TOT"], peers="000")
    assert total.set_index("municipality_code").loc["165", "reports"] is None


def test_comparison_page_has_a_table_beside_the_map(reference, client, member):
    from districts.models import Municipality

    load("STRAF11_api_da.csv")
    albertslund = Municipality.objects.get(code="165")
    PopulationCount.objects.create(municipality=albertslund, date=dt.date(2016, 7, 1), count=25000)
    client.force_login(member("Medarbejder", albertslund))
    page = client.get("/kommune/165/sammenligning/?period_from=2016&period_to=2016&category=1320").content.decode()
    from tests.pages import page_charts

    comparison, country = page_charts(page)
    assert comparison["data"][0]["y"] == [4.0] and len(country["data"]) > 90  # Albertslund's rate; a shape per municipality
    map_table = page[page.index("Vis kortets tabel"):]
    assert "Alle kommuner, anmeldelser pr. 1.000 indbyggere (2016)" in map_table
    assert "<td>Albertslund</td><td class=\"num\">100</td><td class=\"num\">25.000</td><td class=\"num\">4,0</td>" in map_table
