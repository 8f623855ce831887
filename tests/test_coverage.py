"""Issue 25, data coverage: how far a municipality's data reach (reports/coverage.py), on the ``town`` fixture.

The town's offences are reported from 2 January to 20 November 2016, its district populations counted on
1 April, 1 July and 1 October 2016; here its whole population (FOLK1A) is counted on 1 July 2016 (2016K3).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.utils import translation

from districts.models import PopulationCount
from importers.models import ImportBatch
from reports.coverage import (
    Coverage,
    Status,
    coverage_of,
    municipality_coverage,
    period_statuses,
    split_periods,
    without_uncovered,
)
from reports.periods import Period, period_range

pytestmark = pytest.mark.django_db


@pytest.fixture
def covered(town):
    PopulationCount.objects.create(municipality=town, date=dt.date(2016, 7, 1), count=3500)
    return town


def test_last_dates_per_source(covered):
    coverage = coverage_of(covered)
    assert coverage.police_first == dt.date(2016, 1, 1)  # first report 2 January: the month's first day
    assert coverage.police_last == dt.date(2016, 11, 20)  # L2 vold, the latest report date
    assert coverage.dst_quarter == Period(2016, "K", 3)  # counted 1 July 2016
    assert coverage.population_last == dt.date(2016, 10, 1)
    assert coverage.data_line() == "Politiets tal til og med 20-11-2016; Danmarks Statistik til og med 2016K3"


def test_future_past_partial_and_complete_periods(covered):
    coverage = coverage_of(covered)
    assert [(str(s.period), s.status, s.label) for s in period_statuses(coverage, ["2015", "2016", "2017"])] == [
        ("2015", Status.NONE, "2015"), ("2016", Status.PARTIAL, "2016 til og med 20-11"),
        ("2017", Status.NONE, "2017")]
    quarters = split_periods(coverage, period_range("2016K3", "2017K1"))
    assert quarters == {Status.NONE: [Period(2017, "K", 1)], Status.PARTIAL: [Period(2016, "K", 4)],
                        Status.COMPLETE: [Period(2016, "K", 3)]}
    assert coverage.period_label("2016H2") == "2016H2 til og med 20-11"
    assert coverage.period_label("2016H1") == "2016H1"
    assert coverage.no_data_text("2017") == "Ingen data for 2017 endnu"
    assert coverage.no_data_text("2015") == "Ingen data for 2015"


def test_coverage_beginning_inside_a_period_is_labelled_from():
    coverage = Coverage(police_first=dt.date(2016, 3, 1), police_last=dt.date(2017, 12, 31))
    assert coverage.status("2016") is Status.PARTIAL and coverage.period_label("2016") == "2016 fra 01-03"
    assert coverage.status("2017") is Status.COMPLETE


def test_nothing_loaded():
    coverage = Coverage()
    assert coverage.status("2016") is Status.NONE
    assert coverage.data_line() == ("Ingen tal fra politiet indlæst; ingen befolkningstal fra Danmarks Statistik "
                                    "indlæst")


def test_a_stated_replaced_period_moves_the_end_to_the_extracts_end(covered):
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.OFFENCES, status=ImportBatch.Status.DONE,
                                       options={"replace_period": ["2016-01-01", "2016-11-30"]})
    batch.municipalities.add(covered)
    rolled_back = ImportBatch.objects.create(kind=ImportBatch.Kind.POLICE, status=ImportBatch.Status.ROLLED_BACK,
                                             options={"replace_period": ["2016-01-01", "2016-12-31"]})
    rolled_back.municipalities.add(covered)
    coverage = coverage_of(covered)
    assert coverage.police_last == dt.date(2016, 11, 30)  # the rolled-back batch's 31-12 does not count
    assert coverage.period_label("2016K4") == "2016K4 til og med 30-11"


def test_data_line_in_english(covered):
    with translation.override("en"):
        line = coverage_of(covered).data_line()
    assert line == "Police figures up to and including 20-11-2016; Statistics Denmark up to and including 2016K3"


def test_cached_coverage_follows_new_data(covered):
    assert municipality_coverage(covered).police_last == dt.date(2016, 11, 20)
    from reports.models import ReportedOffence

    ReportedOffence.objects.create(journal_number="N1", report_date=dt.date(2016, 12, 3), code="75110",
                                   municipality=covered)
    assert municipality_coverage(covered).police_last == dt.date(2016, 12, 3)


def test_numbers_of_periods_without_data_are_missing_not_zero():
    coverage = Coverage(police_first=dt.date(2016, 1, 1), police_last=dt.date(2016, 11, 20))
    table = pd.DataFrame({"period": ["2016", "2017"], "district": ["Øster", "Øster"], "reports": [3, 0],
                          "population": [2000.0, 2000.0], "reports_per_1000": [1.5, 0.0]})
    result = without_uncovered(table, coverage)
    assert result.loc[0, "reports"] == 3 and result.loc[0, "reports_per_1000"] == 1.5
    assert pd.isna(result.loc[1, "reports"]) and pd.isna(result.loc[1, "reports_per_1000"])
    assert result.loc[1, "population"] == 2000.0  # residents are counted whatever the police data
    assert without_uncovered(table.iloc[:1], coverage) is not None
