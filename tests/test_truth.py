"""Issue 25: the dashboard tells the truth on every filter (coverage wired into pages and PDF, filters everywhere).

On the ``town`` fixture: offences reported 2 January – 20 November 2016 (so 2015 and 2017 have no data and 2016 is
covered "til og med 20-11"); in the four report categories Vester 2, Øster 3, Lund 2 and the unknown district 1
report in 2016 (Vester's 99999 is in no category); residents Vester 1,000, Øster 2,000, Lund 500.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from reports.charts import AXIS
from reports.dashboard import Filters, figure_block, key_figure_rows, trend_lines
from reports.figures import FIGURES
from reports.selectors import category_names
from reports.services import default_categories, figure_table
from reports.tables import COLUMN_LABELS
from tests.pages import json_blocks

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[12.3, 55.6], [12.4, 55.6], [12.4, 55.7], [12.3, 55.6]]]}


@pytest.fixture
def staff(client, town, member):
    client.force_login(member("Medarbejder", town))
    return client


@pytest.fixture
def mapped(town):
    """The town's districts with boundaries, so the dashboard draws its district map."""
    from districts.models import District

    District.objects.filter(municipality=town).update(boundary=SQUARE)
    return town


def section(page: str, start: str, end: str = "</section>") -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", row_html, flags=re.S)]


def total_rows(table_html: str) -> list[list[str]]:
    foot = re.search(r"<tfoot[^>]*>(.*?)</tfoot>", table_html, flags=re.S)
    return [cells(r) for r in re.findall(r"<tr[^>]*>.*?</tr>", foot.group(1), flags=re.S)] if foot else []


# --- a period without data: "Ingen data for 2017 endnu", never 0 ------------------------------------------------

def test_a_future_period_is_no_data_on_the_dashboard_not_zero(staff, mapped):
    page = staff.get("/kommune/165/?period_from=2017&period_to=2017").content.decode()
    assert "Politiets tal til og med 20-11-2016" in page  # the data date, once, at the top
    assert page.count("Politiets tal til og med") == 1
    strip = section(page, 'id="key-title"')
    assert "Ingen data for 2017 endnu" in strip
    assert "anmeldelser" not in strip and "0,0" not in strip  # no "0 anmeldelser (8 året før, −100 %)"
    card_map = section(page, 'id="map-title"')
    assert "Ingen data for 2017 endnu" in card_map and "district-map-data" not in card_map  # no colour scale at all
    assert json_blocks(page) == []  # no chart of empty axes: each figure says it has no data
    for slug in FIGURES:  # every figure: the note; in its table the period named as without data, its numbers "–"
        figure = section(page, f'id="fig-{slug}-title"')
        assert '<p class="note no-data">Ingen data for 2017 endnu</p>' in figure, slug
        body = re.findall(r"<tbody>(.*?)</tbody>", figure, flags=re.S)[0]
        for row in [cells(r) for r in re.findall(r"<tr>.*?</tr>", body, flags=re.S)]:
            assert "Ingen data for 2017 endnu" in row
            numbers = [c for c in row if re.fullmatch(r"[\d.,]+( %)?", c)]
            assert "0" not in numbers, row
    for slug, spec in FIGURES.items():
        if spec.total:  # the total of no data is no number either
            rows = total_rows(section(page, f'id="fig-{slug}-title"'))
            assert rows and all(r[-1] == "–" and not any(re.fullmatch(r"[\d.,]+", c) for c in r) for r in rows), rows


def test_a_future_period_in_key_figures_and_figure_tables(town):
    key = key_figure_rows(municipality=town, filters=Filters("2017", "2017", default_categories(town)))
    assert key.rows == [] and key.note == "Ingen data for 2017 endnu"
    block = figure_block(slug="reports-by-period", municipality=town,
                         filters=Filters("2016", "2017", default_categories(town)), public=False)
    assert block.no_data == ["Ingen data for 2017 endnu"] and block.partial == ["2016 til og med 20-11"]
    assert block.chart["data"][0]["x"] == ["2016 til og med 20-11", "2017: ingen data"]  # an empty slot, named
    future = block.table[block.table["period"] == "2017"]
    assert len(future) == 16 and future["reports"].isna().all()  # 4 districts × 4 categories, all missing
    shown = {(row[0][0], row[1][0], row[2][0]): row[3][0] for row in block.rows}
    vold = category_names()["vold"]
    assert shown["Ingen data for 2017 endnu", "Vester", vold] == "–"
    assert shown["2016 til og med 20-11", "Vester", vold] == "1"  # V1


def test_a_future_period_in_downloads_is_empty_not_zero(staff, town):
    body = staff.get("/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2017").content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    future = [r for r in rows if r["period"] == "2017"]
    assert future and all(r["reports"] == "" and r["reports_per_1000"] == "" for r in future)
    lund = next(r for r in rows if r["period"] == "2016" and r["district"] == "Lund")
    assert lund["reports"] == "2" and float(lund["reports_per_1000"]) == 4.0  # 2 / 500 × 1000


# --- a partly covered period: labelled, out of trends unless chosen ---------------------------------------------

def test_a_partly_covered_period_is_labelled_in_table_chart_and_cards(staff, town):
    page = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2016").content.decode()
    [chart] = json_blocks(page)
    assert chart["data"][0]["x"] == ["2016 til og med 20-11"]
    assert "(2016 til og med 20-11)" in chart["layout"]["title"]["text"]
    assert "<td>2016 til og med 20-11</td>" in page
    key = key_figure_rows(municipality=town, filters=Filters("2016", "2016", default_categories(town)))
    assert key.now_label == "2016 til og med 20-11" and not key.compared  # no change against a whole year


def test_a_partly_covered_period_is_left_out_of_trends_by_default_with_a_visible_choice(staff, town):
    categories = default_categories(town)
    table = figure_table(slug="reports-by-period", municipality=town, period="2016K1", to="2016K4")
    whole = trend_lines("reports-by-period", table)
    without_k4 = trend_lines("reports-by-period", table[table["period"] != "2016K4"])
    assert whole != without_k4
    block = figure_block(slug="reports-by-period", municipality=town,
                         filters=Filters("2016K1", "2016K4", categories), public=False)
    assert block.trends == without_k4 and block.partial == ["2016K4 til og med 20-11"]
    chosen = figure_block(slug="reports-by-period", municipality=town,
                          filters=Filters("2016K1", "2016K4", categories, partial=True), public=False)
    assert chosen.trends == whole
    page = staff.get("/kommune/165/figur/reports-by-period/?period_from=2016K1&period_to=2016K4").content.decode()
    assert "Udviklingen udelader 2016K4 til og med 20-11, som kun er delvist dækket." in page
    assert 'href="?period_from=2016K1&amp;period_to=2016K4&amp;partial=1#fig-reports-by-period-title"' in page
    chosen_page = staff.get("/kommune/165/figur/reports-by-period/?period_from=2016K1&period_to=2016K4&partial=1")
    assert "Udviklingen medtager 2016K4 til og med 20-11." in chosen_page.content.decode()


# --- filters everywhere ---------------------------------------------------------------------------------------

def test_a_district_filter_applies_to_cards_map_and_every_figure(staff, mapped):
    page = staff.get("/kommune/165/?period_from=2016&period_to=2016&districts=Vester&districts=Lund").content.decode()
    strip = section(page, 'id="key-title"')
    assert "Vester" in strip and "Lund" in strip
    assert "Øster" not in strip and "Ukendt bydel" not in strip
    # their total: 2 + 2 reports over 1,000 + 500 residents = 2,666… per 1,000
    assert re.search(r"Valgte bydele i alt</strong>\s*<span>4 anmeldelser", strip)
    assert "2,7 pr. 1.000 indbyggere" in strip
    card_map = section(page, 'id="map-title"')
    assert "Øster" not in card_map and "Ukendt bydel" not in card_map
    assert [t["name"] for t in json_blocks(page)[0]["data"] if t.get("fill")] == ["Vester", "Lund"]
    assert "<tr class=\"total\"><th scope=\"row\">Valgte bydele i alt</th><td class=\"num\">2,7</td></tr>" in card_map
    for slug in FIGURES:  # fig. 8 and the young share: the chosen home districts (their municipality row stays)
        figure = section(page, f'id="fig-{slug}-title"')
        assert "<td>Øster</td>" not in figure and "<td>Ukendt bydel</td>" not in figure, slug
        assert "<td>Vester</td>" in figure or "<td>Lund</td>" in figure, slug


def test_hele_kommunen_in_key_figures_equals_the_hand_sum(town):
    key = key_figure_rows(municipality=town, filters=Filters("2016", "2016", default_categories(town)))
    total = key.rows[0]
    assert total["district"] == "Hele kommunen" and total["total"]
    assert total["reports"] == 8  # Vester 2 + Øster 3 + Lund 2 + unknown district 1
    assert total["reports_per_1000"] == pytest.approx(8 / 3500 * 1000)  # over all 3,500 residents
    assert [r["district"] for r in key.rows[1:]] == ["Vester", "Øster", "Lund", ""]


def test_hele_kommunen_rows_in_figure_tables(staff, town):
    page = staff.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
    rate = total_rows(section(page, 'id="fig-reports-per-1000-title"'))
    assert rate == [["2016 til og med 20-11", "Hele kommunen", "8", "3.500", "2,3"]]
    counts = total_rows(section(page, 'id="fig-reports-by-period-title"'))
    names = category_names()
    # vold V1 L2; tyveri V2 L1 U1; indbrud O1 O2; narko O3
    assert {row[2]: row[3] for row in counts} == {names["vold"]: "2", names["tyveri"]: "3", names["indbrud"]: "2",
                                                  names["narko"]: "1"}
    mix = {row[2]: row[3:] for row in total_rows(section(page, 'id="fig-offence-mix-title"'))}
    assert mix[names["tyveri"]] == ["3", "3.500", "0,9"]  # 3 / 3,500 × 1000 = 0.857
    charges = total_rows(section(page, 'id="fig-charges-by-category-title"'))
    assert charges and all(row[1] == "Hele kommunen" for row in charges)
    for slug in ("reports-share", "charges-share", "charged-persons-residence", "young-charged-share"):
        assert total_rows(section(page, f'id="fig-{slug}-title"')) == []  # shares: none; fig. 8 has its own row


def test_public_pages_show_no_total_of_personal_figures(client, town):
    town.public_view = True
    town.save()
    page = client.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
    for slug, spec in FIGURES.items():
        rows = total_rows(section(page, f'id="fig-{slug}-title"'))
        assert (rows == []) == (spec.personal or spec.total is None), slug


@pytest.mark.parametrize("measure", ["count", "per1000", "share"])
def test_vis_som_switches_every_figure_with_that_measure(town, measure):
    categories = default_categories(town)
    for slug, spec in FIGURES.items():
        block = figure_block(slug=slug, municipality=town, filters=Filters("2016", "2016", categories,
                                                                          measure=measure), public=False)
        column = spec.measure_column(measure)
        layout = block.chart["layout"]
        axis = layout["xaxis"] if layout.get("yaxis", {}).get("type") == "category" else layout["yaxis"]
        if column is None:
            assert block.measure_note.startswith("Figuren findes ikke som"), slug
            assert axis["title"]["text"] == str(AXIS.get(spec.value) or COLUMN_LABELS[spec.value]), slug
        else:
            assert (block.measure_note == "") == (column == spec.value), slug  # "Vises her som antal." if switched
            assert axis["title"]["text"] == str(AXIS.get(column) or COLUMN_LABELS[column]), (slug, measure)


def test_by_default_every_figure_is_drawn_as_its_own_measure(town):
    for slug, spec in FIGURES.items():
        block = figure_block(slug=slug, municipality=town, filters=Filters("2016", "2016", default_categories(town)),
                             public=False)
        layout = block.chart["layout"]
        axis = layout["xaxis"] if layout.get("yaxis", {}).get("type") == "category" else layout["yaxis"]
        assert block.measure_note == "" and axis["title"]["text"] == str(AXIS.get(spec.value) or
                                                                          COLUMN_LABELS[spec.value]), slug


def test_vis_som_draws_the_measures_numbers(staff, town):
    per_1000 = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2016&measure=per1000")
    count = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2016&measure=count")
    lund = {name: next(t for t in json_blocks(r.content.decode())[0]["data"] if t["name"] == "Lund")["y"]
            for name, r in (("per1000", per_1000), ("count", count))}
    assert lund == {"per1000": [4.0], "count": [2]}  # 2 reports, 500 residents
    page = staff.get("/kommune/165/?period_from=2016&period_to=2016&measure=per1000").content.decode()
    assert "Figuren findes ikke som pr. 1.000 indbyggere; den vises som antal." in section(
        page, 'id="fig-reports-by-period-title"')
    assert '<label for="id_measure">Vis som</label>' in page and ">pr. 1.000</option>" in page


# --- the PDF states the data date -----------------------------------------------------------------------------

def test_the_report_states_the_data_date(town):
    import datetime as dt

    from districts.models import PopulationCount
    from reports.halfyear.render import report_html
    from reports.halfyear.services import report_create, report_publish

    PopulationCount.objects.create(municipality=town, date=dt.date(2016, 7, 1), count=3500)  # FOLK1A: 2016K3
    report = report_create(municipality=town, period="2016H2")
    line = "Data: Politiets tal til og med 20-11-2016; Danmarks Statistik til og med 3. kvt. 2016"
    assert line in report_html(report)
    report_publish(report=report)
    PopulationCount.objects.create(municipality=town, date=dt.date(2016, 10, 1), count=3510)  # after publishing
    assert line in report_html(report)  # frozen with the numbers
