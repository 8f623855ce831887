import pytest

from comparisons.indicators import NO_DATA, OFF_TRACK, ON_TRACK, Line, indicator_status

LINE = Line(baseline_year=2016, baseline_value=82.7, target_year=2021, target_value=72.0)


def test_line_from_baseline_to_target():
    assert LINE.expected(2016) == 82.7
    assert LINE.expected(2018) == pytest.approx(82.7 - 2 * 10.7 / 5)  # 78,42
    assert LINE.expected(2024) == 72.0


def test_on_track_when_at_or_below_the_line():
    status, rule = indicator_status(line=LINE, direction="down", series={2016: 82.7, 2018: 78.0})
    assert status == ON_TRACK and "78,4" in rule


def test_off_track_when_above_the_line():
    assert indicator_status(line=LINE, direction="down", series={2016: 82.7, 2019: 80.0})[0] == OFF_TRACK


def test_direction_up():
    line = Line(2017, 50.0, 2021, 70.0)
    assert indicator_status(line=line, direction="up", series={2019: 61.0})[0] == ON_TRACK
    assert indicator_status(line=line, direction="up", series={2019: 59.0})[0] == OFF_TRACK


def test_no_data():
    assert indicator_status(line=LINE, direction="down", series={2014: 90.0, 2017: None})[0] == NO_DATA


@pytest.mark.django_db
def test_indicator_page_shows_status_rule_and_survey(client, town, member):
    from comparisons.demo import demo_indicators_create
    from reports.models import ActivityFigure

    demo_indicators_create(town)
    for period, value in (("2017H1", 9.0), ("2017H2", 9.0), ("2019H1", 7.0), ("2019H2", 6.0)):
        ActivityFigure.objects.create(municipality=town, name="Andel utrygge", period=period, value=value,
                                      unit="procent")
    client.force_login(member("Medarbejder", town))
    page = client.get("/kommune/165/maal/").content.decode()
    # utrygge: 2019 mean 6,5 vs line 9 → 5 in 2017–2021: 9 − 2 × 1 = 7,0 → on track
    assert "Andel borgere, der føler sig utrygge" in page and "(2019: 6,5)" in page and "som i 2019 er 7,0" in page
    assert "På rette vej" in page
    assert "Tryghedsmåling" in page
    from tests.pages import page_charts

    charts = page_charts(page)
    assert "Andel, der føler sig utrygge (%)" in [c["layout"]["title"]["text"] for c in charts]


@pytest.mark.django_db
def test_indicator_table_shows_the_line_only_from_the_baseline(town):
    """The table beside the chart gave a 'line' value for years before the baseline, where the chart has none."""
    from comparisons.demo import demo_indicators_create
    from comparisons.pages import indicator_rows
    from reports.models import ActivityFigure

    demo_indicators_create(town)
    for period, value in (("2016H1", 10.0), ("2017H1", 9.0), ("2023H1", 6.0)):
        ActivityFigure.objects.create(municipality=town, name="Andel utrygge", period=period, value=value,
                                      unit="procent")
    row = next(r for r in indicator_rows(town) if r["indicator"].name.startswith("Andel borgere"))
    table = {t["year"]: t["expected"] for t in row["table"]}
    assert table == {2016: None, 2017: 9.0, 2021: 5.0, 2023: 5.0}
    assert row["line"] == [(2017, 9.0), (2021, 5.0), (2023, 5.0)]
