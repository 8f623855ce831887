"""How sure a number is (domain.md): intervals, the change test, words that follow it, the trend over years."""

import csv
import io
import math

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from reports.figures import suppress, with_intervals
from reports.uncertainty import (
    change_p_value,
    change_words,
    count_interval,
    poisson_trend,
    rate_interval,
    trend_words,
)

# --- the examples of domain.md and values computed by hand ----------------------------------------------------


def test_count_interval_of_29_is_the_domain_example():
    low, high = count_interval([29])
    assert (round(low[0], 2), round(high[0], 2)) == (19.42, 41.65)


def test_count_interval_of_0_and_1_by_hand():
    # n = 0: lower 0, upper χ²(0.975; 2)/2 = −ln(0.025); n = 1: lower χ²(0.025; 2)/2 = −ln(0.975)
    low, high = count_interval([0, 1])
    assert low[0] == 0
    assert high[0] == pytest.approx(-math.log(0.025))  # 3.689
    assert low[1] == pytest.approx(-math.log(0.975))  # 0.0253
    assert high[1] == pytest.approx(5.5716, abs=1e-4)  # χ²(0.975; 4)/2, from the χ² table


def test_missing_and_suppressed_counts_have_no_interval():
    low, high = count_interval([None, float("nan"), "<3", ".."])
    assert np.isnan(low).all() and np.isnan(high).all()


def test_rate_interval_is_the_count_interval_over_the_population():
    low, high = rate_interval([29, 29, 29, 0], [1450, None, 0, 2000])
    assert low[0] == pytest.approx(19.4218 / 1450 * 1000, rel=1e-4)  # 13.39 per 1,000
    assert high[0] == pytest.approx(41.6488 / 1450 * 1000, rel=1e-4)  # 28.72
    assert np.isnan(low[1]) and np.isnan(high[1])  # missing population: no interval, not an error
    assert np.isnan(low[2]) and np.isnan(high[2])  # no residents: no rate, no interval
    assert (low[3], high[3]) == (0, pytest.approx(-math.log(0.025) / 2))


def test_change_p_values_are_the_domain_examples():
    p = change_p_value([40, 80], [25, 50], [1000, 1000], [1000, 1000])
    assert round(p[0], 2) == 0.08  # 40 → 25: not significant
    assert round(p[1], 2) == 0.01  # 80 → 50: significant
    assert p[0] > 0.05 > p[1]


def test_change_p_values_by_hand():
    # 5 → 0 with equal exposure: P(X = 0) + P(X = 5) of Binomial(5, ½) = 2/32
    # 4 → 0 when the population grew from 1,000 to 4,000: P(X = 0) of Binomial(4, 0.8) = 0.2⁴, the only outcome
    # as unlikely
    p = change_p_value([5, 4, 0, 3, None], [0, 0, 0, None, 2], [None, 1000, 1000, 1, 1], [None, 4000, 1000, 1, 1])
    assert p[0] == pytest.approx(2 / 32)
    assert p[1] == pytest.approx(0.2 ** 4)
    assert p[2] == 1.0  # nothing in either period: no sign of a change
    assert np.isnan(p[3]) and np.isnan(p[4])


# --- words that follow the test -------------------------------------------------------------------------------

def test_words_say_rise_or_fall_only_when_significant():
    p40, p80 = change_p_value([40, 80], [25, 50])
    assert change_words(before=40, now=25, change_pct=-37.5, p_value=p40, alpha=0.05, reference="året før") == \
        "på niveau med året før (−38 %, ikke statistisk sikker)"
    assert change_words(before=80, now=50, change_pct=-37.5, p_value=p80, alpha=0.05, reference="året før") == \
        "faldet 38 %"
    assert change_words(before=100, now=124, change_pct=24.0, p_value=0.03, alpha=0.05, reference="2015") == \
        "steget 24 %"
    # the district of 9,000 residents: 12 → 8 burglaries
    p = change_p_value([12], [8], [9000], [9000])[0]
    assert change_words(before=12, now=8, change_pct=-33.3, p_value=p, alpha=0.05, reference="året før") == \
        "på niveau med året før (−33 %, ikke statistisk sikker, få tilfælde)"
    assert change_words(before=0, now=0, change_pct=None, p_value=1.0, alpha=0.05, reference="2015") == \
        "på niveau med 2015 (ikke statistisk sikker, få tilfælde)"


def test_the_significance_level_decides():
    assert change_words(before=40, now=25, change_pct=-37.5, p_value=0.08, alpha=0.10, reference="x") == "faldet 38 %"


# --- the trend over years -------------------------------------------------------------------------------------

def test_trend_recovers_a_known_rate_of_change_exactly():
    """Counts exactly on a curve falling 4 % a year: the Poisson fit returns −4 %."""
    years = np.arange(2010, 2020)
    counts = 500 * 0.96 ** (years - 2010)
    trend = poisson_trend(years, counts)
    assert trend.annual_pct == pytest.approx(-4.0, abs=1e-8)
    assert trend.low_pct < -4 < trend.high_pct
    assert trend.periods == 10


def test_trend_of_a_rate_uses_the_population_as_offset():
    """Population growing 3 % a year, the rate falling 5 %: counts change by 0.97855, the rate's trend is −5 %."""
    years = np.arange(2010, 2021)
    population = 20000 * 1.03 ** (years - 2010)
    counts = population / 1000 * 40 * 0.95 ** (years - 2010)
    assert poisson_trend(years, counts, population).annual_pct == pytest.approx(-5.0, abs=1e-8)
    assert poisson_trend(years, counts).annual_pct == pytest.approx((1.03 * 0.95 - 1) * 100, abs=1e-8)


def test_trend_on_a_random_series_is_the_maximum_likelihood_and_its_interval_covers_the_truth():
    rng = np.random.default_rng(26)
    years = np.arange(2007, 2017)
    counts = rng.poisson(400 * 0.96 ** (years - 2007))
    trend = poisson_trend(years, counts)
    # the score equations of the Poisson GLM hold at the estimate: Σ(y − μ) = 0 and Σ t(y − μ) = 0
    slope = math.log1p(trend.annual_pct / 100)
    t = years - years.mean()
    mu = np.exp(slope * t)
    mu *= counts.sum() / mu.sum()
    assert np.sum(t * (counts - mu)) == pytest.approx(0, abs=1e-6)
    assert trend.low_pct < -4 < trend.high_pct
    # Wald interval by hand: se = 1/sqrt(Σ μ t² − (Σ μ t)²/Σ μ)
    information = np.sum(mu * t ** 2) - np.sum(mu * t) ** 2 / np.sum(mu)
    se = 1 / math.sqrt(information)
    assert trend.low_pct == pytest.approx(math.expm1(slope - 1.959964 * se) * 100, rel=1e-5)
    assert trend.high_pct == pytest.approx(math.expm1(slope + 1.959964 * se) * 100, rel=1e-5)


def test_trend_words():
    years = np.arange(2010, 2020)
    falling = poisson_trend(years, 2000 * 0.96 ** (years - 2010))
    low, high = sorted((abs(falling.low_pct), abs(falling.high_pct)))
    assert trend_words(falling, alpha=0.05) == f"faldet i gennemsnit 4 % om året ({round(low)}–{round(high)} %)"
    flat = poisson_trend(years, [10, 12, 9, 11, 10, 8, 12, 10, 11, 9])
    assert trend_words(flat, alpha=0.05).startswith("på niveau: i gennemsnit ")
    assert trend_words(flat, alpha=0.05).endswith("ikke statistisk sikker)")


def test_no_trend_without_enough_periods_or_reports():
    assert poisson_trend([2015, 2016], [10, 12]) is None
    assert poisson_trend([2014, 2015, 2016], [0, 0, 0]) is None
    assert poisson_trend([2014, 2015, 2016], [0, 0, 7]) is None  # reports in one period only: no finite estimate
    assert poisson_trend([2014, 2015, 2016], [5, 6, 7], [None, None, 1000]) is None  # populations missing


# --- a figure's table ------------------------------------------------------------------------------------------

def test_with_intervals_adds_the_columns_beside_their_values():
    table = pd.DataFrame({"period": ["2015", "2015", "2016", "2016"], "district": ["A", "B", "A", "B"],
                          "reports": [40, 12, 25, 8], "population": [1000.0, None, 1000.0, 9000.0],
                          "reports_per_1000": [40.0, None, 25.0, 8 / 9]})
    out = with_intervals(table, slug="reports-per-1000")
    assert list(out.columns) == ["period", "district", "reports", "reports_ci_low", "reports_ci_high", "population",
                                 "reports_per_1000", "rate_ci_low", "rate_ci_high", "change_p_value"]
    assert out.loc[2, "rate_ci_low"] == pytest.approx(count_interval([25])[0][0])  # per 1,000 of 1,000 residents
    assert np.isnan(out.loc[1, "rate_ci_low"])  # no population, no rate interval
    assert np.isnan(out.loc[0, "change_p_value"]) and np.isnan(out.loc[1, "change_p_value"])  # first period
    assert out.loc[2, "change_p_value"] == pytest.approx(change_p_value([40], [25])[0])
    # B: one population missing: the counts are compared (equal exposure)
    assert out.loc[3, "change_p_value"] == pytest.approx(change_p_value([12], [8])[0])


def test_figures_without_intervals_pass_through():
    table = pd.DataFrame({"period": ["2016"], "category": ["vold"], "district": ["A"], "reports_per_1000": [2.0],
                          "share_pct": [100.0]})
    assert with_intervals(table, slug="reports-share").equals(table)


def test_a_suppressed_count_suppresses_its_interval_and_its_changes():
    """An interval can reveal a small count: a hidden cell (<3, or .. hidden with it) has no interval, and the
    p-values of its changes (from it, and to it) are empty too."""
    table = pd.DataFrame({
        "period": ["2015"] * 3 + ["2016"] * 3, "district": ["A", "B", "C"] * 2, "category": ["vold"] * 6,
        "charges": [10, 2, 7, 11, 12, 13],
    })
    public = suppress(table, slug="charges-by-category", min_count=3)
    assert list(public["charges"][:3]) == [10, "<3", ".."]
    out = with_intervals(public, slug="charges-by-category")
    assert out["charges_ci_low"][:3].isna().tolist() == [False, True, True]
    assert out["charges_ci_high"][:3].isna().tolist() == [False, True, True]
    assert out["change_p_value"].isna().tolist() == [True, True, True, False, True, True]
    staff = with_intervals(table, slug="charges-by-category")
    assert out.loc[3, "change_p_value"] == staff.loc[3, "change_p_value"]


# --- downloads --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_export_reports_per_1000_with_intervals_has_the_module_values(town, capsys):
    from reports.services import figure_table

    call_command("export_figure", "reports-per-1000", "--municipality", "165", "--period", "2016H1",
                 "--to", "2016H2", "--intervals")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["period", "district", "reports", "reports_ci_low", "reports_ci_high", "population",
                             "reports_per_1000", "rate_ci_low", "rate_ci_high", "change_p_value"]
    table = figure_table(slug="reports-per-1000", municipality=town, period="2016H1", to="2016H2")
    low, high = count_interval(table["reports"])
    rate_low, rate_high = rate_interval(table["reports"], table["population"])
    for i, row in enumerate(rows):
        assert float(row["reports_ci_low"]) == pytest.approx(low[i], rel=1e-12)
        assert float(row["reports_ci_high"]) == pytest.approx(high[i], rel=1e-12)
        if np.isnan(rate_low[i]):
            assert row["rate_ci_low"] == row["rate_ci_high"] == ""
        else:
            assert float(row["rate_ci_low"]) == pytest.approx(rate_low[i], rel=1e-12)
            assert float(row["rate_ci_high"]) == pytest.approx(rate_high[i], rel=1e-12)
    # Vester 2016H1: 1 report (V1), 1,000 residents: 0.0253–5.572 per 1,000; 2016H2 (V2): 1 again, p = 1
    vester = [r for r in rows if r["district"] == "Vester"]
    assert float(vester[0]["rate_ci_low"]) == pytest.approx(-math.log(0.975))
    assert vester[0]["change_p_value"] == "" and float(vester[1]["change_p_value"]) == pytest.approx(1.0)
    # without --intervals the columns are as before
    call_command("export_figure", "reports-per-1000", "--municipality", "165", "--period", "2016")
    assert capsys.readouterr().out.splitlines()[0] == "period,district,reports,population,reports_per_1000"


@pytest.mark.django_db
def test_public_download_suppresses_intervals_with_their_counts(client, town):
    town.public_view = True
    town.save()
    response = client.get("/kommune/165/figur/charges-by-category.csv?period_from=2016&period_to=2016&intervals=1")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "charges_ci_low" in rows[0] and "change_p_value" in rows[0]
    hidden = [r for r in rows if r["charges"] in ("<3", "..")]
    assert hidden  # the town's charges are all small
    for row in hidden:
        assert row["charges_ci_low"] == row["charges_ci_high"] == row["change_p_value"] == ""
    for row in rows:
        if row["charges"] == "0":  # a published zero keeps its interval 0–3.69
            assert float(row["charges_ci_high"]) == pytest.approx(-math.log(0.025))
    for fmt in ("json", "xlsx"):
        assert client.get(f"/kommune/165/figur/charges-by-category.{fmt}?period_from=2016&period_to=2016"
                          "&intervals=1").status_code == 200


def test_comparison_and_young_share_carry_their_intervals():
    comparison = pd.DataFrame({"period": ["2023", "2024", "2024"], "municipality_code": ["165", "165", "101"],
                               "municipality": ["Albertslund", "Albertslund", "København"], "category": ["TOT"] * 3,
                               "reports": [1687.0, 1600.0, None], "population": [27657.0, 27700.0, 650000.0],
                               "reports_per_1000": [1687 / 27.657, 1600 / 27.7, None]})
    out = with_intervals(comparison, slug="municipality-comparison")
    assert out.loc[1, "rate_ci_low"] == pytest.approx(count_interval([1600])[0][0] / 27.7)
    assert out.loc[1, "change_p_value"] == pytest.approx(change_p_value([1687], [1600], [27657], [27700])[0])
    assert np.isnan(out.loc[2, "reports_ci_low"]) and np.isnan(out.loc[2, "change_p_value"])  # an incomplete DST year
    young = pd.DataFrame({"period": ["2016"], "age_group": ["15-17"], "home_district": [""], "persons": [3],
                          "population": [1000.0], "persons_per_1000": [3.0], "share_pct": [0.3]})
    out = with_intervals(young, slug="young-charged-share")
    assert list(out.columns) == ["period", "age_group", "home_district", "persons", "persons_ci_low", "persons_ci_high",
                                 "population", "persons_per_1000", "rate_ci_low", "rate_ci_high", "share_pct",
                                 "share_ci_low", "share_ci_high", "change_p_value"]
    low, high = count_interval([3])
    assert (out.loc[0, "rate_ci_low"], out.loc[0, "rate_ci_high"]) == (pytest.approx(low[0]), pytest.approx(high[0]))
    assert out.loc[0, "share_ci_high"] == pytest.approx(high[0] / 10)  # 7.22 of 1,000 = 0.72 %


@pytest.mark.django_db
def test_public_figure_page_with_intervals_draws_no_hidden_interval(client, town):
    from tests.pages import json_blocks

    town.public_view = True
    town.save()
    html = client.get("/kommune/165/figur/charges-by-category/?period_from=2016&period_to=2016&intervals=1")
    assert html.status_code == 200
    [chart] = json_blocks(html.content.decode())
    for trace in chart["data"]:
        for y, up, down in zip(trace["y"], trace["error_y"]["array"], trace["error_y"]["arrayminus"], strict=True):
            assert (y is None) == (up is None) == (down is None)  # a hidden bar has no error bar either


def test_vectorised_p_values_equal_scipys_binomtest():
    """change_p_value runs scipy's two-sided algorithm on whole columns; it must give binomtest's p-values."""
    from scipy.stats import binomtest

    rng = np.random.default_rng(8)
    n1 = np.concatenate([rng.integers(0, 30, 300), rng.integers(0, 3000, 200), [0, 1, 40, 80, 12, 5000, 100000]])
    n2 = np.concatenate([rng.integers(0, 30, 300), rng.integers(0, 3000, 200), [1, 0, 25, 50, 8, 5100, 99000]])
    p1 = np.concatenate([rng.integers(500, 20000, 500), [1000, 1000, 1000, 1000, 9000, 30000, 5_000_000]])
    p2 = p1 * rng.uniform(0.8, 1.25, len(p1))
    ours = change_p_value(n1, n2, p1, p2)
    theirs = [binomtest(int(b), int(a + b), q2 / (q1 + q2)).pvalue if a + b else 1.0
              for a, b, q1, q2 in zip(n1, n2, p1, p2, strict=True)]
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-300)
    equal = change_p_value(n1, n2)  # equal exposure: p = ½, where k = n/2 exactly happens often
    assert equal == pytest.approx([binomtest(int(b), int(a + b)).pvalue if a + b else 1.0
                                   for a, b in zip(n1, n2, strict=True)], rel=1e-12, abs=1e-300)
