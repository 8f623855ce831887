"""'Vis usikkerhed' on the dashboard: interval columns, error bars, key-figure words, trends."""

import plotly.graph_objects as go
import pytest

from reports.dashboard import key_cards
from reports.figures import figure_chart
from reports.services import figure_table
from reports.uncertainty import count_interval
from tests.pages import json_blocks

pytestmark = pytest.mark.django_db
DISTRICTS = [("Vester", ""), ("Øster", ""), ("Lund", "")]


def cover_2015_and_2016(town):
    """The town's police data as covering 2015 and 2016 whole: an offence in no category in January 2015 and a
    finished import that replaced 2015–2016 (reports.coverage)."""
    import datetime as dt

    from importers.models import ImportBatch
    from reports.models import ReportedOffence

    ReportedOffence.objects.create(journal_number="C2015", report_date=dt.date(2015, 1, 5), code="99999",
                                   municipality=town)
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.OFFENCES, status=ImportBatch.Status.DONE,
                                       options={"replace_period": ["2015-01-01", "2016-12-31"]})
    batch.municipalities.add(town)


@pytest.fixture
def staff(client, town, member):
    client.force_login(member("Medarbejder", town))
    return client


def test_bar_charts_get_error_bars_from_the_downloaded_table(town):
    table = figure_table(slug="reports-per-1000", municipality=town, period="2016H1", to="2016H2", intervals=True)
    chart = figure_chart(slug="reports-per-1000", table=table, districts=DISTRICTS)
    go.Figure(chart)  # valid for Plotly
    lund = next(t for t in chart["data"] if t["name"] == "Lund")
    rows = table[table["district"] == "Lund"]
    # Lund: 1 report in each half-year, 500 residents: 2.0 per 1,000, interval 0.0506–11.14
    assert lund["y"] == [2.0, 2.0]
    assert lund["error_y"]["array"] == pytest.approx(list(rows["rate_ci_high"] - 2.0))
    assert lund["error_y"]["arrayminus"] == pytest.approx(list(2.0 - rows["rate_ci_low"]))
    assert "error_y" not in figure_chart(slug="reports-per-1000", table=figure_table(
        slug="reports-per-1000", municipality=town, period="2016"), districts=DISTRICTS)["data"][0]


def test_summed_count_bars_get_the_interval_of_the_sum(town):
    table = figure_table(slug="reports-by-period", municipality=town, period="2016H1", to="2016H2", intervals=True)
    chart = figure_chart(slug="reports-by-period", table=table, districts=DISTRICTS)
    go.Figure(chart)
    oster = next(t for t in chart["data"] if t["name"] == "Øster")
    assert oster["y"] == [1, 2]  # O1 in H1; O2 and O3 in H2 (four categories together)
    low, high = count_interval([1, 2])
    assert oster["error_y"]["array"] == pytest.approx(list(high - [1, 2]))
    assert oster["error_y"]["arrayminus"] == pytest.approx(list([1, 2] - low))


def test_key_cards_words_follow_the_test(settings):
    rows = [
        {"district": "A", "reports": 25, "reports_before": 40, "change_pct": -37.5, "reports_per_1000": 25.0,
         "reports_per_1000_before": 40.0, "rate_change_pct": -37.5, "change_p_value": 0.0817},
        {"district": "B", "reports": 50, "reports_before": 80, "change_pct": -37.5, "reports_per_1000": 50.0,
         "reports_per_1000_before": 80.0, "rate_change_pct": -37.5, "change_p_value": 0.0107},
        {"district": "", "reports": 3, "reports_before": 5, "change_pct": -40.0, "reports_per_1000": float("nan"),
         "reports_per_1000_before": float("nan"), "rate_change_pct": float("nan"), "change_p_value": 0.727},
    ]
    cards = key_cards(rows)
    assert cards[0]["words"] == "på niveau med året før (−38 %, ikke statistisk sikker)"
    assert cards[1]["words"] == "faldet 38 %" and cards[1]["significant"]
    assert cards[1]["p"] == "p = 0,011"
    assert cards[2]["words"] == "på niveau med året før (−40 %, ikke statistisk sikker, få tilfælde)"
    settings.SIGNIFICANCE_LEVEL = 0.10
    assert key_cards(rows)[0]["words"] == "faldet 38 %"


def test_the_toggle_shows_interval_columns_and_error_bars(staff, town):
    plain = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016H1&period_to=2016H2").content.decode()
    assert "95 %-interval fra" not in plain
    assert 'href="?period_from=2016H1&amp;period_to=2016H2&amp;intervals=1#fig-reports-per-1000-title"' in plain  # a plain link: no JS needed
    assert "Vis usikkerhed</a>" in plain  # the link says what it does (aria-pressed is not allowed on a link)
    page = staff.get("/kommune/165/figur/reports-per-1000/?period_from=2016H1&period_to=2016H2&intervals=1")
    html = page.content.decode()
    assert "Pr. 1.000, 95 %-interval fra" in html and "p-værdi for ændringen" in html
    assert "Skjul usikkerhed</a>" in html
    assert 'name="intervals" aria-describedby="id_intervals_helptext" id="id_intervals" checked' in html
    [chart] = json_blocks(html)
    assert all("error_y" in trace for trace in chart["data"])
    # the download links carry the toggle, so the files hold what the table shows
    assert "reports-per-1000.csv?period_from=2016H1&amp;period_to=2016H2&amp;intervals=1" in html


def test_dashboard_cards_show_words_and_p_value(staff, town):
    cover_2015_and_2016(town)  # a change is stated only between wholly covered periods
    html = staff.get("/kommune/165/?period_from=2015&period_to=2016").content.decode()
    # 2016 against 2015 (no reports in 2015): Øster 0 → 3 is within chance (p = 0.25)
    assert "På niveau med året før (ikke statistisk sikker, få tilfælde)" in html
    assert 'title="Test for ændring: p = 0,25"' in html
    assert "steget" not in html.split('id="key-title"')[1].split("</section>")[0]


def test_comparison_lines_get_a_band_and_the_table_its_interval(reference, client, member):
    import datetime as dt

    from districts.models import Municipality, PopulationCount
    from tests.pages import page_charts
    from tests.test_dst import load

    load("STRAF11_api_da.csv")
    albertslund = Municipality.objects.get(code="165")
    PopulationCount.objects.create(municipality=albertslund, date=dt.date(2016, 7, 1), count=25000)
    client.force_login(member("Medarbejder", albertslund))
    query = "period_from=2016&period_to=2016&category=1320&peers=165"
    plain = client.get(f"/kommune/165/sammenligning/?{query}").content.decode()
    assert 'href="?' + query.replace('&', '&amp;') + '&amp;intervals=1">Vis usikkerhed</a>' in plain
    page = client.get(f"/kommune/165/sammenligning/?{query}&intervals=1").content.decode()
    comparison, _map = page_charts(page)
    shade, line = comparison["data"][:2]
    low, high = count_interval([100])  # 100 burglaries over 25,000 residents: 4.0 per 1,000
    assert shade["fill"] == "toself" and shade["y"] == pytest.approx([high[0] / 25, low[0] / 25])
    assert line["y"] == [4.0] and line["legendgroup"] == shade["legendgroup"] == "Albertslund"
    assert f'<td class="num">{low[0] / 25:.1f}</td><td class="num">{high[0] / 25:.1f}</td>'.replace(".", ",") in page
    download = client.get(f"/kommune/165/sammenligning.csv?{query}&intervals=1").content.decode("utf-8-sig")
    assert download.splitlines()[0].endswith("reports_per_1000,rate_ci_low,rate_ci_high,change_p_value")
