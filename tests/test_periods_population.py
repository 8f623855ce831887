import datetime as dt

import pytest

from districts.population import population_on
from reports.periods import Period, PeriodError, period_range

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "mid"),
    [
        ("2016", D(2016, 1, 1), D(2016, 12, 31), D(2016, 7, 1)),
        ("2016H1", D(2016, 1, 1), D(2016, 6, 30), D(2016, 4, 1)),
        ("2016h2", D(2016, 7, 1), D(2016, 12, 31), D(2016, 10, 1)),
        ("2016K1", D(2016, 1, 1), D(2016, 3, 31), D(2016, 2, 15)),
        ("2016K4", D(2016, 10, 1), D(2016, 12, 31), D(2016, 11, 15)),
        ("2016Q3", D(2016, 7, 1), D(2016, 9, 30), D(2016, 8, 15)),
    ],
)
def test_period_bounds_and_midpoint(text, start, end, mid):
    period = Period.parse(text)
    assert (period.start, period.end, period.midpoint) == (start, end, mid)


def test_period_range_and_names():
    assert [str(p) for p in period_range("2016H2", "2017H2")] == ["2016H2", "2017H1", "2017H2"]
    assert [str(p) for p in period_range("2016K4", "2017K1")] == ["2016K4", "2017K1"]
    assert Period.parse("2017H2").same_last_year() == Period.parse("2016H2")
    assert Period.parse("2016K3").label == "3. kvt. 2016"
    assert Period.containing(D(2016, 7, 1), "H") == Period.parse("2016H2")


@pytest.mark.parametrize("bad", ["16", "2016H3", "2016K5", "H1 2016", ""])
def test_period_rejects_garbage_in_danish(bad):
    with pytest.raises(PeriodError, match="periode|halvår"):
        Period.parse(bad)


def test_period_range_rejects_mixed_kinds():
    with pytest.raises(PeriodError):
        period_range("2016", "2016H2")


def test_population_exact_date_wins():
    counts = [(D(2016, 4, 1), 1000), (D(2016, 7, 1), 1100), (D(2016, 10, 1), 1200)]
    assert population_on(counts, D(2016, 7, 1)) == 1100


def test_population_interpolated_by_days():
    # 1 April → 1 October 2016 is 183 days; 1 July is 91 days in.
    counts = [(D(2016, 4, 1), 1000), (D(2016, 10, 1), 1183)]
    assert population_on(counts, D(2016, 7, 1)) == pytest.approx(1091.0)


def test_population_year_end_counts_interpolate_to_midyear():
    counts = [(D(2016, 1, 1), 27000), (D(2017, 1, 1), 27366)]
    # 182 of 366 days
    assert population_on(counts, D(2016, 7, 1)) == pytest.approx(27000 + 366 * 182 / 366)


def test_population_nearest_within_92_days_when_one_side_missing():
    assert population_on([(D(2016, 4, 1), 500)], D(2016, 7, 1)) == 500  # 91 days
    assert population_on([(D(2016, 9, 30), 700)], D(2016, 7, 1)) == 700  # 91 days after


def test_population_missing_when_too_far():
    assert population_on([(D(2016, 1, 1), 500)], D(2016, 7, 1)) is None  # 182 days
    assert population_on([], D(2016, 7, 1)) is None


def test_population_no_interpolation_across_more_than_a_year():
    counts = [(D(2014, 1, 1), 100), (D(2016, 8, 1), 300)]
    # before is 2.5 years away: no interpolation; after is 31 days away → nearest
    assert population_on(counts, D(2016, 7, 1)) == 300
