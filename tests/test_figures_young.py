"""Share of young people charged (domain.md), counted by hand on the ``town`` data set plus ages."""

import datetime as dt
import re

import pytest

from reports.services import figure_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def young_town(town):
    """Ages and age-band populations on 1 July 2016 (the year's midpoint).

    Residents 15–17: Vester 40, Øster 60, Lund 7 + 7 + 6 as single years (= 20); no municipality row.
    Residents 18–25: Vester 100, Øster 150, Lund 50.
    Charged residents of Albertslund in 2016 (report date):
      p1 born 2000 (16) on O1, living in Vester (p1's charge on O3 is as a Høje-Taastrup resident)
      p4 born 1995 (21) on L1 and V1, living in Lund
      p5 born 2001 (15) on O2, living in Albertslund with no district
      p6 born 1990 (26) on L2, living in Øster: in no age group
    """
    from districts.models import District, PopulationCount
    from reports.aggregates import aggregates_refresh
    from reports.models import Charge, ReportedOffence

    districts = {d.name: d for d in District.objects.filter(municipality=town)}
    day = dt.date(2016, 7, 1)
    for name, young, adults in (("Vester", 40, 100), ("Øster", 60, 150), ("Lund", None, 50)):
        if young:
            PopulationCount.objects.create(municipality=town, district=districts[name], date=day, age_from=15,
                                           age_to=17, count=young)
        PopulationCount.objects.create(municipality=town, district=districts[name], date=day, age_from=18,
                                       age_to=25, count=adults)
    for age, count in ((15, 7), (16, 7), (17, 6)):
        PopulationCount.objects.create(municipality=town, district=districts["Lund"], date=day, age_from=age,
                                       age_to=age, count=count)
    Charge.objects.filter(person_key="p1").update(birth_year=2000)
    Charge.objects.filter(person_key="p4").update(birth_year=1995)
    for person, journal, born, district in (("p5", "O2", 2001, None), ("p6", "L2", 1990, "Øster")):
        Charge.objects.create(journal_number=journal, forhold=1, person_key=person, birth_year=born,
                              offence=ReportedOffence.objects.get(journal_number=journal), home_municipality=town,
                              home_district=districts.get(district))
    aggregates_refresh(municipality_ids={town.pk})
    return town


def table_rows(table):
    return [(r.age_group, r.home_district, r.persons, r.population, round(r.persons_per_1000, 3), round(r.share_pct, 3))
            for r in table.itertuples()]


def test_young_charged_share_by_age_group_and_district(young_town):
    table = figure_table(slug="young-charged-share", municipality=young_town, period="2016")
    assert list(table.columns) == ["period", "age_group", "home_district", "persons", "population",
                                   "persons_per_1000", "share_pct"]
    assert table_rows(table) == [
        ("15-17", "", 2, 120.0, 16.667, 1.667),  # p1 and p5 of the districts' 40 + 60 + 20
        ("15-17", "Vester", 1, 40.0, 25.0, 2.5),  # p1
        ("15-17", "Øster", 0, 60.0, 0.0, 0.0),
        ("15-17", "Lund", 0, 20.0, 0.0, 0.0),  # 7 + 7 + 6 single years
        ("18-25", "", 1, 300.0, 3.333, 0.333),  # p4
        ("18-25", "Vester", 0, 100.0, 0.0, 0.0),
        ("18-25", "Øster", 0, 150.0, 0.0, 0.0),  # p6 is 26
        ("18-25", "Lund", 1, 50.0, 20.0, 2.0),
    ]


def test_a_municipality_count_wins_and_a_missing_population_gives_no_share(young_town):
    from districts.models import PopulationCount

    PopulationCount.objects.create(municipality=young_town, date=dt.date(2016, 7, 1), age_from=15, age_to=17,
                                   count=125)
    table = figure_table(slug="young-charged-share", municipality=young_town, period="2016")
    total = table[(table["age_group"] == "15-17") & (table["home_district"] == "")]
    assert total["population"].item() == 125 and total["share_pct"].item() == pytest.approx(1.6)
    later = figure_table(slug="young-charged-share", municipality=young_town, period="2018")
    assert later["population"].isna().all() and later["share_pct"].isna().all()  # missing, never 0


def test_public_view_hides_small_counts_of_young_people(young_town):
    table = figure_table(slug="young-charged-share", municipality=young_town, period="2016", public=True)
    shown = set(table["persons"])
    assert {1, 2} & shown == set() and "<3" in shown
    hidden = table[table["persons"] == "<3"]
    assert hidden["share_pct"].isna().all() and hidden["persons_per_1000"].isna().all()


def test_young_charged_share_chart_matches_its_table(young_town):
    from reports.charts import chart_values
    from reports.figures import figure_chart

    table = figure_table(slug="young-charged-share", municipality=young_town, period="2016")
    fig = figure_chart(slug="young-charged-share", table=table, districts=[("Vester", ""), ("Øster", ""), ("Lund", "")])
    assert {k: [round(v, 3) for v in values] for k, values in chart_values(fig).items()} == {
        "15-17 år": [1.667], "18-25 år": [0.333]}


def test_a_manager_follows_the_young_share_as_an_indicator(client, young_town, member):
    """The measure is chosen from a list, and the indicator's series is the municipality's share per year."""
    from comparisons.models import Indicator
    from reports.models import ReportedOffence

    # the data reach the end of 2016, so 2016 is a complete year for the indicator
    ReportedOffence.objects.create(journal_number="X2", report_date=dt.date(2016, 12, 31), code="99999",
                                   municipality=young_town)
    client.force_login(member("Leder", young_town))
    form = client.get("/kommune/165/maal/ny/").content.decode()
    assert '<option value="figure:young-charged-share:15-17">Andel af de 15–17-årige, der er sigtet (%)</option>' in form
    assert '<option value="figure:reports-per-1000:vold">Anmeldelser pr. 1.000 indbyggere – Vold</option>' in form
    response = client.post("/kommune/165/maal/ny/", {
        "name": "Unge sigtede 15–17 år", "measure": "figure:young-charged-share:15-17", "unit": "%",
        "direction": "down", "baseline_period": "2016", "target_value": 1.0, "target_period": "2020",
        "order": 0})
    assert response.status_code == 302 and Indicator.objects.filter(municipality=young_town).count() == 1
    page = client.get("/kommune/165/maal/").content.decode()
    # 2016: 2 of 120 = 1,7 % ≤ the line's 2,0 in 2016 → on track
    assert "Seneste måling (2016: 1,7)" in page and "På rette vej" in page
    bad = client.post("/kommune/165/maal/ny/", {"name": "x", "measure": "figure:noget-andet", "direction": "down",
                                                "baseline_period": "2016", "target_value": 1,
                                                "target_period": "2020", "order": 0})
    assert bad.status_code == 200 and "Vælg en måling fra listen; »figure:noget-andet« findes ikke." in bad.content.decode()


def test_the_comparison_defaults_to_the_newest_complete_dst_year(reference):
    from comparisons.models import DstValue
    from comparisons.services import latest_complete_year

    assert latest_complete_year() is None
    for period in ("2023K4", "2024K1", "2024K2"):
        DstValue.objects.create(table="STRAF11", area_code="165", dims="OVERTRÆD=TOT", period=period, value=1)
    assert latest_complete_year() == 2023
    DstValue.objects.create(table="STRAF11", area_code="165", dims="OVERTRÆD=TOT", period="2024K4", value=1)
    assert latest_complete_year() == 2024


def test_the_table_names_the_whole_municipality_row(client, young_town, member):
    client.force_login(member("Medarbejder", young_town))
    page = client.get("/kommune/165/figur/young-charged-share/?period_from=2016&period_to=2016").content.decode()
    # 2016 is named as far as the data reach (issue 25)
    assert re.search(r"<td>2016( til og med \d\d-\d\d)?</td><td>15-17</td><td>Hele kommunen</td>", page.replace("\n", ""))


@pytest.mark.parametrize("seed", range(4))
def test_the_first_charge_is_the_same_whatever_order_the_rows_come_in(albertslund, seed):
    """Earliest offence date, then charge date (a missing one last), then the charge's natural key
    decide, whatever order the charges were stored in. Each charge has its own birth year here, so
    the counts show which charge was picked."""
    import random

    from reports.aggregates import aggregates_refresh
    from reports.models import Charge, ReportedOffence
    from reports.periods import period_range
    from reports.selectors import first_charge_persons

    d = dt.date
    charges = [  # person, journal, report date, charge date, birth year
        ("a", "0400-7", d(2025, 3, 1), None, 1910),
        ("a", "0400-9", d(2025, 2, 1), d(2025, 2, 3), 1920),
        ("a", "0400-1", d(2025, 2, 1), d(2025, 2, 3), 1930),  # same dates as 0400-9, lower journal number
        ("b", "0400-5", d(2025, 6, 1), None, 1940),
        ("b", "0400-6", d(2025, 6, 1), d(2025, 7, 1), 1945),  # a charge date beats a missing one
        ("a", "0400-3", d(2024, 5, 5), None, 1950),
        ("c", "0400-8", d(2025, 1, 1), None, 1960),  # a code not asked for
    ]
    random.Random(seed).shuffle(charges)
    for person, journal, day, charged, born in charges:
        offence = ReportedOffence.objects.create(journal_number=journal, report_date=day, offence_date=day,
                                                 code="99999" if person == "c" else "73241", municipality=albertslund)
        Charge.objects.create(journal_number=journal, forhold=1, person_key=person, offence=offence,
                              charge_date=charged, birth_year=born, home_municipality=albertslund)
    aggregates_refresh(municipality_ids={albertslund.pk})
    persons = first_charge_persons(of="home", municipality=albertslund, periods=period_range("2024", "2025"),
                                   date_basis="report", codes={"73241"})
    assert sorted((r.period, r.birth_year, r.persons) for r in persons.itertuples()) == [
        ("2024", 1950, 1), ("2025", 1930, 1), ("2025", 1945, 1)]
