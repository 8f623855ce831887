"""Issue 25, downloads for Danish Excel: machine CSV/JSON with a BOM and integer counts, the "CSV (dansk Excel)"
variant, and XLSX with number formats and an "Om tallene" sheet.

The ``town`` fixture (conftest): 2016 reports in the four categories Vester 2 (V1 vold, V2 tyveri), Øster 3 (O1, O2
indbrud, O3 narko), Lund 2 (L1 tyveri, L2 vold), unknown district 1 (U1 tyveri); residents Vester 1,000, Øster
2,000, Lund 500; the police data end on 20 November 2016.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from reports import exporters

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def staff(client, member, town):
    client.force_login(member("Medarbejder", town))
    return client


def danish_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_machine_csv_has_a_bom_and_integer_counts(staff):
    content = staff.get("/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2016").content
    assert content.startswith(BOM)
    text = content.decode("utf-8-sig")
    assert text.splitlines() == [
        "period,district,reports,population,reports_per_1000",
        "2016,Vester,2,1000,2.0", "2016,Øster,3,2000,1.5", "2016,Lund,2,500,4.0",
        "2016,,1,,",  # unknown district: no population, no rate (missing, never 0)
    ]
    data = json.loads(staff.get("/kommune/165/figur/reports-per-1000.json?period_from=2016&period_to=2016").content)
    oster = [row for row in data if row["district"] == "Øster"][0]
    assert oster == {"period": "2016", "district": "Øster", "reports": 3, "population": 2000, "reports_per_1000": 1.5}
    assert type(oster["population"]) is int


def test_a_period_without_data_is_empty_not_zero(staff):
    content = staff.get("/kommune/165/figur/reports-by-period.csv?period_from=2016&period_to=2017"
                        "&categories=indbrud").content
    lines = content.decode("utf-8-sig").splitlines()
    assert "2016,Øster,indbrud,2" in lines
    assert "2017,Øster,indbrud," in lines and "2017,Øster,indbrud,0" not in lines
    data = json.loads(staff.get("/kommune/165/figur/reports-by-period.json?period_from=2016&period_to=2017"
                                "&categories=indbrud").content)
    assert {row["reports"] for row in data if row["period"] == "2017"} == {None}


def test_danish_csv_parses_with_semicolon_and_decimal_comma(staff):
    response = staff.get("/kommune/165/figur/reports-share.da.csv?period_from=2016&period_to=2016")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="165-reports-share-2016-2016.da.csv"'
    assert b"\r\n" in response.content and b"\n" not in response.content.replace(b"\r\n", b"")  # CRLF
    rows = danish_rows(response.content)
    assert rows[0] == ["Periode", "Gerningstype", "Bydel", "Pr. 1.000 indbyggere", "Andel (%)"]
    tyveri = {r[2]: r for r in rows[1:] if r[1] == "Tyverier"}
    # tyveri: Vester 1 / 1,000 = 1.0, Lund 1 / 500 = 2.0 per 1,000; shares 1/3 and 2/3 of 3.0: page 33 % and 67 %
    assert float(tyveri["Vester"][3].replace(",", ".")) == 1.0
    assert float(tyveri["Lund"][3].replace(",", ".")) == 2.0
    assert float(tyveri["Vester"][4].replace(",", ".")) == 33
    assert float(tyveri["Lund"][4].replace(",", ".")) == 67
    assert tyveri["Vester"][0] == "2016 til og med 20-11"  # the year is only partly covered
    assert set(tyveri) == {"Vester", "Øster", "Lund"}  # Øster: 0 per 1,000, 0 %
    assert tyveri["Øster"][3:] == ["0,0", "0"]


def test_danish_csv_rounds_as_the_page_and_escapes_formulas():
    table = pd.DataFrame({"period": ["2025", "2025"], "district": ["Øster", "=1+1"], "reports": [23, 5],
                          "population": [9008.0, None], "reports_per_1000": [2.5532859680284195, None],
                          "share_pct": [41.49, 58.51]})
    rows = danish_rows(exporters.to_csv_danish(table, about=exporters.About(headings={"district": "Bydel"})))
    assert rows[0] == ["period", "Bydel", "reports", "population", "reports_per_1000", "share_pct (%)"]
    assert rows[1] == ["2025", "Øster", "23", "9008", "2,6", "41"]
    assert rows[2] == ["2025", "'=1+1", "5", "", "", "59"]
    assert exporters.to_csv(table).decode().splitlines()[1] == "2025,Øster,23,9008,2.5532859680284195,41.49"


def test_xlsx_number_formats_frozen_header_and_about_sheet(staff):
    response = staff.get("/kommune/165/figur/offence-mix.xlsx?period_from=2016&period_to=2016&districts=Øster"
                         "&categories=indbrud&categories=narko")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["offence-mix", "Om tallene"]
    data = book["offence-mix"]
    assert data.freeze_panes == "A2"
    header = [c.value for c in data[1]]
    assert header == ["Periode", "Bydel", "Gerningstype", "Anmeldelser", "Indbyggere", "Pr. 1.000 indbyggere"]
    rows = {row[2].value: row for row in data.iter_rows(min_row=2)}
    indbrud = rows["Indbrud"]
    assert [c.value for c in indbrud] == ["2016 til og med 20-11", "Øster", "Indbrud", 2, 2000, 1.0]
    assert [c.number_format for c in indbrud[3:]] == ["#,##0", "#,##0", "#,##0.0"]
    assert rows["Lov om euforiserende stoffer"][5].value == 0.5  # full precision, shown as 0,5
    assert data.column_dimensions["C"].width >= len("Lov om euforiserende stoffer")
    about = {row[0]: row[1] for row in book["Om tallene"].iter_rows(values_only=True)}
    assert about["Data"] == "Politiets tal til og med 20-11-2016; ingen befolkningstal fra Danmarks Statistik indlæst"
    assert about["Kommune"] == "Albertslund (165)"
    assert about["Perioder"] == "2016 (delvis dækket: 2016 til og med 20-11)"
    assert about["Bydele"] == "Øster"
    assert about["Gerningstyper"] == "Indbrud, Lov om euforiserende stoffer"
    assert about["Datogrundlag"] == "Anmeldelsesdato"
    assert about["Enhed"] == "Anmeldelser pr. 1.000 indbyggere"
    assert about["Kilde"].startswith("Kilde: politiets anmeldelsesstatistik")
    assert "Hentet" in about and "Små tal" not in about and "Sene sigtelser" not in about


def test_xlsx_of_charges_has_the_late_charges_and_public_notes(staff, client, town):
    about_sheet = load_workbook(io.BytesIO(staff.get(
        "/kommune/165/figur/charges-by-category.xlsx?period_from=2016&period_to=2016").content))["Om tallene"]
    about = {row[0]: row[1] for row in about_sheet.iter_rows(values_only=True)}
    assert about["Sene sigtelser"].startswith("Bemærk: sigtelser registreres ofte længe efter anmeldelsen")
    assert "Små tal" not in about
    client.logout()
    town.public_view = True
    town.save()
    book = load_workbook(io.BytesIO(client.get(
        "/kommune/165/figur/charges-by-category.xlsx?period_from=2016&period_to=2016").content))
    about = {row[0]: row[1] for row in book["Om tallene"].iter_rows(values_only=True)}
    assert about["Små tal"].startswith("Små tal (under 3) er skjult")
    cells = [c for row in book.worksheets[0].iter_rows(min_row=2) for c in row if c.value == "<3"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_figure_page_offers_the_danish_csv(staff):
    page = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2016").content.decode()
    assert ('href="/kommune/165/figur/reports-per-1000.da.csv?period_from=2016&amp;period_to=2016" download>'
            'CSV (dansk Excel)</a>') in page


def test_help_explains_the_danish_csv(client):
    page = client.get("/hjaelp/").content.decode()
    assert "CSV (dansk Excel)" in page and "semikolon" in page


def test_comparison_downloads_for_danish_excel(reference, client, django_user_model):
    import datetime as dt

    from comparisons.models import DstValue
    from districts.models import Municipality, PopulationCount
    from tests.test_dst import load

    load("STRAF11_api_da.csv")  # Albertslund 1320: 30 + 25 + 20 + 25 = 100 in 2016, the last quarter 2016K4
    PopulationCount.objects.create(municipality=Municipality.objects.get(code="165"), date=dt.date(2016, 7, 1),
                                   count=25000)
    DstValue.objects.create(table="FOLK1A", area_code="000", dims="", period="2016K3", value=5_000_000)
    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    query = "period_from=2016&period_to=2016&category=1320&peers=000"
    rows = danish_rows(client.get(f"/kommune/165/sammenligning.da.csv?{query}").content)
    assert rows[0] == ["Periode", "Kommunekode", "Kommune", "Overtrædelse", "Anmeldelser", "Indbyggere",
                       "Pr. 1.000 indbyggere"]
    albertslund = [r for r in rows[1:] if r[1] == "165"][0]
    assert albertslund[4:] == ["100", "25000", "4,0"]
    machine = client.get(f"/kommune/165/sammenligning.csv?{query}").content
    assert machine.startswith(BOM) and b"2016,165,Albertslund,1320,100,25000,4.0" in machine
    book = load_workbook(io.BytesIO(client.get(f"/kommune/165/sammenligning.xlsx?{query}").content))
    about = {row[0]: row[1] for row in book["Om tallene"].iter_rows(values_only=True)}
    assert about["Data"] == "Danmarks Statistik (STRAF11) til og med 2016K4"
    assert about["Sammenlignet med"] == "000"


def test_danish_csv_keeps_the_decimal_comma_on_an_english_page():
    from django.utils import translation

    table = pd.DataFrame({"district": ["Øster"], "reports": [1814], "reports_per_1000": [40.46]})
    with translation.override("en"):
        rows = danish_rows(exporters.to_csv_danish(table, about=exporters.About(headings={"district": "District"})))
    assert rows == [["District", "reports", "reports_per_1000"], ["Øster", "1814", "40,5"]]
