import datetime as dt

import pytest

from comparisons.indicators import (
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    Line,
    indicator_status,
    target_value,
)
from reports.periods import Period


@pytest.fixture(autouse=True)
def _danish():
    """The rules' words and numbers are Danish here, whatever language an earlier test's request left active."""
    from django.utils import translation

    with translation.override("da"):
        yield


Y2016, Y2021 = Period.parse("2016"), Period.parse("2021")
LINE = Line(baseline_period=Y2016, baseline_value=82.7, target_period=Y2021, target_value=72.0)


def test_line_from_baseline_to_target():
    assert LINE.expected(Y2016) == 82.7
    assert LINE.expected(Period.parse("2018")) == pytest.approx(82.7 - 2 * 10.7 / 5)  # 78,42
    assert LINE.expected(Period.parse("2024")) == 72.0


def test_a_half_year_line_steps_by_half_years():
    line = Line(Period.parse("2016H1"), 10.0, Period.parse("2018H1"), 6.0)  # four half-years: −1 each
    assert [line.expected(Period.parse(p)) for p in ("2016H2", "2017H1", "2017H2", "2019H2")] == [9.0, 8.0, 7.0, 6.0]
    with pytest.raises(ValueError):
        line.expected(Period.parse("2017"))  # a year is not on a half-year line


def test_target_as_a_per_cent_change_of_the_baseline():
    assert target_value(baseline=55.8, value=None, change_pct=-12.9) == pytest.approx(48.6018)  # 55,8 × 0,871
    assert target_value(baseline=4.0, value=None, change_pct=25) == 5.0
    assert target_value(baseline=55.8, value=50.0, change_pct=None) == 50.0
    assert target_value(baseline=None, value=None, change_pct=-10) is None  # no baseline, no target


def test_on_track_when_at_or_below_the_line():
    status, rule = indicator_status(line=LINE, baseline_period=Y2016, direction="down",
                                    series={"2016": 82.7, "2018": 78.0})
    assert status == ON_TRACK and "78,4" in rule


def test_off_track_when_above_the_line():
    status, _rule = indicator_status(line=LINE, baseline_period=Y2016, direction="down",
                                     series={"2016": 82.7, "2019": 80.0})
    assert status == OFF_TRACK


def test_direction_up():
    line = Line(Period.parse("2017"), 50.0, Y2021, 70.0)
    y2017 = Period.parse("2017")
    assert indicator_status(line=line, baseline_period=y2017, direction="up", series={"2019": 61.0})[0] == ON_TRACK
    assert indicator_status(line=line, baseline_period=y2017, direction="up", series={"2019": 59.0})[0] == OFF_TRACK


def test_no_data():
    assert indicator_status(line=LINE, baseline_period=Y2016, direction="down",
                            series={"2014": 90.0, "2017": None})[0] == NO_DATA
    status, rule = indicator_status(line=None, baseline_period=Y2016, direction="down", series={"2017": 50.0})
    assert status == NO_DATA and "ingen data for udgangsperioden 2016" in rule


def test_status_compares_like_with_like():
    """A year's baseline is compared with years only: a later half-year (half a year's count) is no year."""
    series = {"2016": 82.7, "2017": 81.0, "2018H1": 38.0}
    status, rule = indicator_status(line=LINE, baseline_period=Y2016, direction="down", series=series)
    # 2017: 81,0 against the line's 82,7 − 10,7 / 5 = 80,56 → off track (2018H1's 38,0 would have said on track)
    assert status == OFF_TRACK and "(2017: 81,0)" in rule and "80,6" in rule
    half = Line(Period.parse("2016H1"), 40.0, Period.parse("2017H1"), 30.0)
    status, rule = indicator_status(line=half, baseline_period=Period.parse("2016H1"), direction="down",
                                    series={"2016H1": 40.0, "2016H2": 34.0, "2017": 70.0})
    # 2016H2: 34,0 against the line's 35,0 halfway → on track; the year 2017 (70,0) is not compared
    assert status == ON_TRACK and "(2. halvår 2016: 34,0)" in rule and "er 35,0" in rule


@pytest.fixture
def whole_year_town(town):
    """The town with a whole-municipality population (3.500 on 1 April, 1 July, 1 October 2016) and data to
    31 December 2016, so 2016 and its half-years are complete periods.

    Tyverier (75, not 753) in 2016: L1 (2 Jan, Lund), U1 (5 May, unknown district), V2 (1 Aug, Vester):
    2016 3 reports → 3 / 3.500 × 1.000 = 0,857; 2016H1 2 → 0,571; 2016H2 1 → 0,286.
    """
    from districts.models import PopulationCount
    from reports.models import ReportedOffence

    for day in (dt.date(2016, 4, 1), dt.date(2016, 7, 1), dt.date(2016, 10, 1)):
        PopulationCount.objects.create(municipality=town, district=None, date=day, count=3500)
    ReportedOffence.objects.create(journal_number="X2", report_date=dt.date(2016, 12, 31), code="99999",
                                   municipality=town)
    return town


@pytest.mark.django_db
def test_the_baseline_is_the_figures_value_for_its_year(whole_year_town):
    from comparisons.models import Indicator
    from comparisons.pages import indicator_rows

    Indicator.objects.create(municipality=whole_year_town, name="Tyverier", measure="figure:reports-per-1000:tyveri",
                             baseline_period="2016", target_change_pct=-20, target_period="2020")
    row = indicator_rows(whole_year_town)[0]
    assert row["baseline_value"] == pytest.approx(3 / 3500 * 1000)  # 0,857, the unknown district's U1 counted
    assert row["target_value"] == pytest.approx(3 / 3500 * 1000 * 0.8)  # −20 %: 0,686
    assert row["series"] == {"2016": pytest.approx(0.857142857)}


@pytest.mark.django_db
def test_a_half_year_baseline_is_compared_with_half_years(whole_year_town):
    from comparisons.models import Indicator
    from comparisons.pages import indicator_rows

    Indicator.objects.create(municipality=whole_year_town, name="Tyverier", measure="figure:reports-per-1000:tyveri",
                             baseline_period="2016H1", target_change_pct=-50, target_period="2017H1")
    row = indicator_rows(whole_year_town)[0]
    assert row["baseline_value"] == pytest.approx(2 / 3500 * 1000)  # 0,571
    assert row["series"] == {"2016H1": pytest.approx(0.571428571), "2016H2": pytest.approx(0.285714286)}
    # 2016H2: 0,286 against the line halfway from 0,571 to 0,286 (−50 %): 0,429 → on track; the year's 0,857
    # would have been off track
    assert row["status"] == ON_TRACK and "(2. halvår 2016: 0,3)" in row["rule"] and "0,4" in row["rule"]


@pytest.mark.django_db
def test_no_data_in_the_baseline_period_is_no_data_not_zero(whole_year_town):
    from comparisons.models import Indicator
    from comparisons.pages import indicator_rows

    Indicator.objects.create(municipality=whole_year_town, name="Tyverier", measure="figure:reports-per-1000:tyveri",
                             baseline_period="2015", target_value=0.5, target_period="2020")
    row = indicator_rows(whole_year_town)[0]
    assert row["baseline_value"] is None and row["status"] == NO_DATA and row["line"] == []


def test_the_form_refuses_unlike_periods_and_two_targets():
    from django.core.exceptions import ValidationError

    from comparisons.models import Indicator

    indicator = Indicator(name="x", measure="metric:x", baseline_period="2016", target_period="2020H1",
                          target_value=1.0)
    with pytest.raises(ValidationError) as error:
        indicator.clean()
    assert "samme slags som udgangsperioden" in str(error.value)
    indicator = Indicator(name="x", measure="metric:x", baseline_period="2016h1", target_period="2017H1",
                          target_value=1.0, target_change_pct=-10)
    with pytest.raises(ValidationError) as error:
        indicator.clean()
    assert "enten som en værdi eller som en ændring i procent" in str(error.value)
    assert indicator.baseline_period == "2016H1"
    for bad in ("2016K1", "16", "2016H3"):
        with pytest.raises(ValidationError):
            Indicator(name="x", measure="metric:x", baseline_period=bad, target_period="2020",
                      target_value=1.0).clean()


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
    for period, value in (("2016H1", 10.0), ("2016H2", 10.0), ("2017H1", 9.5), ("2017H2", 8.5), ("2023H1", 6.0),
                          ("2023H2", 6.0), ("2024H1", 1.0)):
        ActivityFigure.objects.create(municipality=town, name="Andel utrygge", period=period, value=value,
                                      unit="procent")
    row = next(r for r in indicator_rows(town) if r["indicator"].name.startswith("Andel borgere"))
    # a year is the mean of its two half-years; 2024 has one, so it has no year's value (not 1,0)
    assert row["series"] == {"2016": 10.0, "2017": 9.0, "2023": 6.0}
    assert row["baseline_value"] == 9.0  # 2017 in the data, not typed
    table = {t["period"]: t["expected"] for t in row["table"]}
    assert table == {"2016": None, "2017": 9.0, "2021": 5.0, "2023": 5.0}
    assert row["line"] == [("2017", 9.0), ("2021", 5.0), ("2023", 5.0)]


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_turns_a_typed_baseline_into_a_period_and_keeps_the_targets_intent():
    """0003: "82,7 in 2016, 72 in 2021" typed by hand becomes baseline period 2016 and a target of −12,9 % in 2021
    (nothing typed is kept that the data could contradict); a baseline of 0 keeps its value target."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("comparisons", "0002_initial")], [("comparisons", "0003_indicator_baseline_period")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    from districts.models import Municipality

    municipality = Municipality.objects.create(code="999", name="Prøve").pk  # the districts app stays migrated
    Indicator = old.get_model("comparisons", "Indicator")
    Indicator.objects.create(municipality_id=municipality, name="a", measure="metric:x", baseline_value=82.7,
                             baseline_year=2016, target_value=72.0, target_year=2021)
    Indicator.objects.create(municipality_id=municipality, name="b", measure="metric:x", baseline_value=0,
                             baseline_year=2017, target_value=3.0, target_year=2020)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("comparisons", "Indicator")
    rows = {i.name: (i.baseline_period, i.target_period, i.target_value, i.target_change_pct)
            for i in new.objects.all()}
    assert rows == {"a": ("2016", "2021", None, -12.9), "b": ("2017", "2020", 3.0, None)}
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
