import csv
import io
import json
import re

import pandas as pd
import pytest

from reports.charts import chart_values
from reports.figures import FIGURES, figure_chart
from reports.services import figure_table
from tests.pages import json_blocks, page_charts

pytestmark = pytest.mark.django_db

COLUMNS = {
    "reports-by-period": "period,district,category,reports",
    "reports-per-1000": "period,district,reports,population,reports_per_1000",
    "offence-mix": "period,district,category,reports,population,reports_per_1000",
    "reports-share": "period,category,district,reports_per_1000,share_pct",
    "charges-by-category": "period,district,category,charges",
    "charges-share": "period,category,district,charges,share_pct",
    "charged-persons-residence": "period,home_municipality_code,home_municipality,home_district,persons",
}


@pytest.fixture
def staff(client, town, member):
    client.force_login(member("Medarbejder", town))
    return client


def test_dashboard_shows_all_figures_with_tables(staff, town):
    page = staff.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
    for spec in FIGURES.values():
        assert (f"Figur {spec.number}. {spec.title}" if spec.number else f">{spec.title}</h2>") in page
        assert f'id="chart-data-{spec.slug}"' in page
    assert page.count("<table>") == len(FIGURES)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert "/static/vendor/plotly/plotly-basic.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)  # our own files only, never a CDN
    assert "<script>" not in page  # no inline scripts: data in application/json blocks only


def test_figure_page_and_filters_in_url(staff, town):
    response = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016H2&period_to=2016H2")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td class=\"num\">2,0</td>" in page  # Lund 1 / 500 × 1000, Danish decimal comma
    assert 'value="2016H2"' in page


def test_bad_filter_is_a_clear_error(staff, town):
    response = staff.get("/kommune/165/?period_from=2016&period_to=2015")
    assert response.status_code == 400
    assert "Til-perioden ligger før fra-perioden" in response.content.decode()


@pytest.mark.parametrize("query, field", [
    ("districts=1", "districts"),  # an id typed into the URL where the form sends names
    ("categories=ukendt", "categories"),
    ("measure=promille", "measure"),
    ("date_basis=sigtelse", "date_basis"),
])
def test_a_bad_choice_in_the_url_is_shown_beside_its_field(staff, town, query, field):
    """A hand-edited or stale link gave 400 with no visible message: only the two period fields showed errors."""
    response = staff.get(f"/kommune/165/?period_from=2016&period_to=2016&{query}")
    assert response.status_code == 400
    page = response.content.decode()
    value = query.split("=")[1]
    assert f'<p class="error-text" role="alert">Marker en gyldig valgmulighed. {value} er ikke en af de tilgængelige' in page


@pytest.mark.parametrize("slug", list(COLUMNS))
def test_csv_download_columns_exactly_as_interfaces(staff, town, slug):
    response = staff.get(f"/kommune/165/figur/{slug}.csv?period_from=2016&period_to=2016")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: a spreadsheet reads "Øster" right
    assert response.content.decode("utf-8-sig").splitlines()[0] == COLUMNS[slug]


def test_json_and_xlsx_downloads(staff, town):
    data = json.loads(staff.get("/kommune/165/figur/reports-per-1000.json?period_from=2016&period_to=2016").content)
    assert {"period": "2016", "district": "Lund", "reports": 2, "population": 500, "reports_per_1000": 4.0} in data
    unknown = [row for row in data if row["district"] == ""][0]
    assert unknown["population"] is None and unknown["reports_per_1000"] is None  # missing, not 0
    xlsx = staff.get("/kommune/165/figur/reports-per-1000.xlsx?period_from=2016&period_to=2016")
    assert xlsx.content[:2] == b"PK"


def test_chart_agrees_with_csv(staff, town):
    response = staff.get("/kommune/165/figur/reports-per-1000.csv?period_from=2016H1&period_to=2016H2")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    table = figure_table(slug="reports-per-1000", municipality=town, period="2016H1", to="2016H2")
    fig = figure_chart(slug="reports-per-1000", table=table, districts=[("Vester", ""), ("Øster", ""), ("Lund", "")])
    values = chart_values(fig)
    for district in ("Vester", "Øster", "Lund"):
        from_csv = [float(r["reports_per_1000"]) for r in rows if r["district"] == district]
        assert values[district] == pytest.approx(from_csv)


def test_public_download_suppresses_small_counts(client, town):
    assert client.get("/kommune/165/figur/charges-by-category.csv").status_code == 302  # public view off
    town.public_view = True
    town.save()
    response = client.get("/kommune/165/figur/charges-by-category.csv?period_from=2016&period_to=2016")
    body = response.content.decode("utf-8-sig")
    assert "<3" in body and ",2\n" not in body


def test_partial_query_string_falls_back_to_defaults(staff, town):
    response = staff.get("/kommune/165/?measure=per1000")
    assert response.status_code == 200
    page = response.content.decode()
    # the town's data end in November 2016, so the last complete year is 2015: 2005–2015
    assert 'value="2005"' in page and 'value="2015"' in page
    assert page.index("Figur 2.") < page.index("Figur 3.")  # "Vis som" switches the figures, it moves none


def test_share_charts_are_stacked_to_100_percent(town):
    table = figure_table(slug="reports-share", municipality=town, period="2016")
    fig = figure_chart(slug="reports-share", table=table, districts=[("Vester", ""), ("Øster", ""), ("Lund", "")])
    assert fig["layout"]["barmode"] == "stack"
    theft = sum(trace["y"][trace["x"].index("tyveri")] for trace in fig["data"])
    assert theft == pytest.approx(100)


def test_chart_data_is_strict_json_with_suppressed_cells_and_missing_rates(client, staff, town):
    """A suppressed '<3' and a missing rate are gaps in the chart; as NaN they broke the whole chart."""
    staff_page = staff.get("/kommune/165/?period_from=2016&period_to=2018").content.decode()  # 2018: no population
    assert len(page_charts(staff_page)) >= 7
    staff.logout()
    town.public_view = True
    town.save()
    public = client.get("/kommune/165/figur/charged-persons-residence/?period_from=2016&period_to=2016")
    [chart] = json_blocks(public.content.decode())
    assert chart["data"][0]["x"] == [None, None, None]  # Albertslund 2, Høje-Taastrup 1, Uoplyst 1: all "<3"


def test_a_map_draws_its_shapes_on_plain_numeric_axes():
    """The maps came out as a thin sliver: the charts' category x axis and y range from zero had reached them."""
    import plotly.graph_objects as go

    from reports.charts import polygon_map

    square = {"type": "Polygon", "coordinates": [[[12.3, 55.6], [12.4, 55.6], [12.4, 55.7], [12.3, 55.6]]]}
    chart = polygon_map(features=[("Vester", square, 10.0), ("Øster", square, None)], title="Kort")
    layout = go.Figure(chart).layout  # valid for Plotly
    assert layout.xaxis.type is None and layout.yaxis.type is None  # numbers, as plotly.js infers them
    assert layout.yaxis.rangemode is None and layout.yaxis.scaleanchor == "x"  # the range fits the shapes
    assert [t["fillcolor"] for t in chart["data"][:2]] == ["#deebf7", "#d9d9d9"]  # a value (the ramp's start), grey for none


@pytest.mark.parametrize("period_from, period_to", [("2015H1", "2016H2"), ("2015H1", "2016H1"), ("2016H2", "2016H2"),
                                                    ("2016", "2016")])
def test_key_figures_read_from_one_table_equal_each_period_on_its_own(town, period_from, period_to):
    """The strip slices one rates table; the unknown district (reports only in 2016H1) must appear exactly
    where the period's own table has it."""
    from reports.dashboard import Filters, key_figure_rows
    from reports.periods import Period
    from reports.services import default_categories, figure_table
    from reports.stats import key_figures

    filters = Filters(period_from=period_from, period_to=period_to, categories=default_categories(town))
    now = Period.parse(period_to)
    alone = [figure_table(slug="reports-per-1000", municipality=town, period=str(p), categories=filters.categories)
             for p in (now, now.same_last_year())]
    expected = key_figures(*alone)
    key = key_figure_rows(municipality=town, filters=filters)
    assert key.rows[0]["district"] == "Hele kommunen" and key.rows[0]["total"]
    rows = pd.DataFrame(key.rows[1:]).drop(columns=["total"])
    now_columns = ["district", "reports", "reports_per_1000"]
    assert rows[now_columns].fillna(-1).to_dict("records") == expected[now_columns].fillna(-1).to_dict("records")
    # the town's data begin in January 2016: the year before has no data, so no number and no change (never 0)
    assert rows[["reports_before", "reports_per_1000_before", "change_pct", "rate_change_pct"]].isna().all().all()
    assert key.note == f"Ingen data for {now.same_last_year()}" and not key.compared
    assert ("" in list(rows["district"])) == (period_to in ("2016H1", "2016"))


def test_a_figure_page_with_a_bad_filter_says_so_instead_of_showing_other_periods(staff, town):
    """Before, the figure page and the downloads fell back to the default periods (2005–2015 here) with status 200."""
    response = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2015")
    assert response.status_code == 400
    assert "Til-perioden ligger før fra-perioden" in response.content.decode()


@pytest.mark.parametrize("query, message", [
    ("period_from=2016&period_to=2015", "Til-perioden ligger før fra-perioden"),
    ("period_from=2016&districts=1", "Bydele: Marker en gyldig valgmulighed. 1 er ikke en af de tilgængelige"),
])
def test_a_download_with_a_bad_filter_is_a_clear_400(staff, town, query, message):
    response = staff.get(f"/kommune/165/figur/reports-per-1000.csv?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_one_period_asked_for_is_that_period(staff, town):
    """``period_from`` alone is that one period (as ``export_figure`` without ``--to``): 2016 is only partly
    covered in the town (data to 20-11-2016), so the default end, the last complete year, is 2015."""
    rows = staff.get("/kommune/165/figur/reports-per-1000.csv?period_from=2016").content.decode("utf-8-sig")
    assert {line.split(",")[0] for line in rows.splitlines()[1:]} == {"2016"}
    assert staff.get("/kommune/165/figur/charged-persons-residence/?period_from=2016").status_code == 200
