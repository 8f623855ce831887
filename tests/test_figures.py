"""Every figure's numbers on a small hand-built data set (computed by hand in the comments)."""

import datetime as dt

import pytest

from reports.services import FigureError, figure_table

pytestmark = pytest.mark.django_db
D = dt.date


def rows(table, *columns):
    return [tuple(r) for r in table[list(columns)].itertuples(index=False)]


def test_reports_by_period_year(town):
    table = figure_table(slug="reports-by-period", municipality=town, period="2016")
    assert list(table.columns) == ["period", "district", "category", "reports"]
    got = {(d, c): n for _p, d, c, n in rows(table, "period", "district", "category", "reports")}
    assert got[("Vester", "vold")] == 1 and got[("Vester", "tyveri")] == 1
    assert got[("Øster", "indbrud")] == 2 and got[("Øster", "narko")] == 1
    assert got[("Lund", "tyveri")] == 1 and got[("Lund", "vold")] == 1
    assert got[("", "tyveri")] == 1  # unknown district keeps its own row
    assert sum(got.values()) == 8  # 99999 belongs to no category
    assert len(table) == 4 * 4  # 3 districts + unknown, 4 categories, zeros included


def test_reports_per_1000_half_year_and_quarter(town):
    h2 = figure_table(slug="reports-per-1000", municipality=town, period="2016H2")
    # H2 by report date: Vester V2; Øster O2, O3; Lund L2; population on 1 October
    assert rows(h2, "district", "reports", "population", "reports_per_1000")[:3] == [
        ("Vester", 1, 1000.0, 1.0), ("Øster", 2, 2000.0, 1.0), ("Lund", 1, 500.0, 2.0)]
    q1 = figure_table(slug="reports-per-1000", municipality=town, period="2016K1", to="2016K2")
    # 2016K1 midpoint 15 Feb: nearest count 1 April is 46 days away → used; K2 midpoint 15 May
    first = rows(q1[q1["period"] == "2016K1"], "district", "reports", "population")
    assert first[:3] == [("Vester", 1, 1000.0), ("Øster", 1, 2000.0), ("Lund", 1, 500.0)]
    unknown = q1[(q1["period"] == "2016K2") & (q1["district"] == "")]
    assert unknown["reports"].item() == 1 and unknown["reports_per_1000"].isna().item()


def test_offence_date_basis_moves_offences_between_periods(town):
    report = figure_table(slug="reports-by-period", municipality=town, period="2016", categories=["tyveri"])
    offence = figure_table(slug="reports-by-period", municipality=town, period="2016", categories=["tyveri"],
                           date_basis="offence")
    lund = lambda t: t[(t["district"] == "Lund")]["reports"].item()  # noqa: E731
    assert (lund(report), lund(offence)) == (1, 0)  # L1 was committed 30 Dec 2015


def test_missing_population_gives_empty_rate_not_zero(town):
    table = figure_table(slug="reports-per-1000", municipality=town, period="2018")
    assert table["population"].isna().all() and table["reports_per_1000"].isna().all()


def test_overlapping_categories_count_each_offence_once(town):
    from reports.categories import category_membership_refresh
    from reports.models import CategoryRule, OffenceCategory

    both = OffenceCategory.objects.create(slug="alt", name="Alt")
    CategoryRule.objects.create(category=both, source="politi", prefix="7")
    category_membership_refresh()
    table = figure_table(slug="reports-per-1000", municipality=town, period="2016", categories=["vold", "alt"])
    assert table.loc[table["district"] == "Vester", "reports"].item() == 2  # V1 once, V2


def test_offence_mix_and_share_normalised_for_population(town):
    mix = figure_table(slug="offence-mix", municipality=town, period="2016")
    oester = mix[(mix["district"] == "Øster") & (mix["category"] == "indbrud")]
    assert oester["reports_per_1000"].item() == pytest.approx(1.0)  # 2 / 2000
    share = figure_table(slug="reports-share", municipality=town, period="2016")
    theft = {d: s for _c, d, s in rows(share[share["category"] == "tyveri"], "category", "district", "share_pct")}
    # tyveri rates: Vester 1/1000=1, Øster 0, Lund 1/500=2 → 33.3 %, 0 %, 66.7 %
    assert theft["Vester"] == pytest.approx(100 / 3) and theft["Lund"] == pytest.approx(200 / 3)
    assert "" not in theft  # no rate for the unknown district


def test_charges_by_category_and_share(town):
    table = figure_table(slug="charges-by-category", municipality=town, period="2016")
    got = {(d, c): n for d, c, n in rows(table, "district", "category", "charges") if n}
    assert got == {("Øster", "indbrud"): 1, ("Øster", "narko"): 2, ("Lund", "vold"): 1, ("Lund", "tyveri"): 1,
                   ("Vester", "vold"): 1}
    share = figure_table(slug="charges-share", municipality=town, period="2016", categories=["vold"])
    assert {d: s for d, s in rows(share, "district", "share_pct")} == {"Vester": 50.0, "Øster": 0.0, "Lund": 50.0}


def test_charged_persons_residence_first_charge_rule(town):
    table = figure_table(slug="charged-persons-residence", municipality=town, period="2016")
    got = rows(table, "home_municipality_code", "home_municipality", "home_district", "persons")
    assert got == [
        ("165", "Albertslund", "", 2),  # p1 (first charge O1: Albertslund/Vester), p4
        ("165", "Albertslund", "Vester", 1),
        ("165", "Albertslund", "Øster", 0),
        ("165", "Albertslund", "Lund", 1),
        ("169", "Høje-Taastrup", "", 1),  # p2
        ("", "Uoplyst", "", 1),  # p3
    ]


def test_public_view_suppresses_small_counts(town):
    table = figure_table(slug="charged-persons-residence", municipality=town, period="2016", public=True)
    # Albertslund's total is 2 ("<3"): its districts 1, 0, 1 all show "<3", the 0 too, since two "<3" districts under
    # a "<3" total could only be 1 and 1 (domain.md, "Small counts": against the whole public output)
    assert set(table["persons"]) == {"<3"}
    staff = figure_table(slug="charges-by-category", municipality=town, period="2016", public=False)
    assert staff["charges"].max() == 2


def test_bad_parameters_raise_danish_errors(town):
    with pytest.raises(FigureError, match="Ukendt gerningstype"):
        figure_table(slug="reports-by-period", municipality=town, period="2016", categories=["spøgelse"])
    with pytest.raises(FigureError, match="Ukendt periode"):
        figure_table(slug="reports-by-period", municipality=town, period="sidste år")
    with pytest.raises(FigureError, match="Ukendt bydel"):
        figure_table(slug="reports-by-period", municipality=town, period="2016", districts=["Atlantis"])


def nonzero(table, *key, value):
    return {tuple(r[:-1]): r[-1] for r in rows(table, *key, value) if r[-1] == r[-1] and r[-1] != 0}


def test_every_figure_for_a_half_year_by_offence_date(town):
    """2016H1 by offence date: V1 (27 Feb), O1 (31 Jan), U1 (4 May); L1 was committed in 2015.

    Population on the midpoint 1 April: Vester 1000, Øster 2000, Lund 500.
    Charges of those offences: p1 on O1 (lives in Vester), p4 on V1 (lives in Lund).
    """
    args = {"municipality": town, "period": "2016H1", "date_basis": "offence"}
    by_period = figure_table(slug="reports-by-period", **args)
    assert nonzero(by_period, "district", "category", value="reports") == {
        ("Vester", "vold"): 1, ("Øster", "indbrud"): 1, ("", "tyveri"): 1}
    per_1000 = figure_table(slug="reports-per-1000", **args)
    assert rows(per_1000, "district", "reports", "population", "reports_per_1000")[:3] == [
        ("Vester", 1, 1000.0, 1.0), ("Øster", 1, 2000.0, 0.5), ("Lund", 0, 500.0, 0.0)]
    mix = figure_table(slug="offence-mix", **args)
    assert nonzero(mix, "district", "category", value="reports_per_1000") == {
        ("Vester", "vold"): 1.0, ("Øster", "indbrud"): 0.5}
    share = figure_table(slug="reports-share", **args)
    assert nonzero(share, "category", "district", value="share_pct") == {
        ("vold", "Vester"): 100.0, ("indbrud", "Øster"): 100.0}
    assert share[share["category"] == "tyveri"]["share_pct"].isna().all()  # no rate anywhere: no share, not 0
    charges = figure_table(slug="charges-by-category", **args)
    assert nonzero(charges, "district", "category", value="charges") == {("Vester", "vold"): 1, ("Øster", "indbrud"): 1}
    charge_share = figure_table(slug="charges-share", **args, categories=["vold", "indbrud"])
    assert nonzero(charge_share, "category", "district", value="share_pct") == {
        ("vold", "Vester"): 100.0, ("indbrud", "Øster"): 100.0}
    persons = figure_table(slug="charged-persons-residence", **args)
    assert rows(persons, "home_municipality", "home_district", "persons") == [
        ("Albertslund", "", 2), ("Albertslund", "Vester", 1), ("Albertslund", "Øster", 0), ("Albertslund", "Lund", 1)]


def test_every_figure_for_a_quarter_by_report_date(town):
    """2016K4 by report date: O3 (5 Oct, Øster narko), L2 (20 Nov, Lund vold).

    Midpoint 15 November: the nearest count, 1 October, lies 45 days before it (no later count).
    Charges: p1 and p2 on O3 (both living in Høje-Taastrup by these charges), p3 on L2 (no residence).
    p1 lived in Vester by an earlier charge, but a person counts with the first charge in the period.
    """
    args = {"municipality": town, "period": "2016K4"}
    by_period = figure_table(slug="reports-by-period", **args)
    assert nonzero(by_period, "district", "category", value="reports") == {("Øster", "narko"): 1, ("Lund", "vold"): 1}
    assert "" not in set(by_period["district"])  # no unknown-district offence in the quarter: no row for it
    per_1000 = figure_table(slug="reports-per-1000", **args)
    assert rows(per_1000, "district", "reports", "population", "reports_per_1000") == [
        ("Vester", 0, 1000.0, 0.0), ("Øster", 1, 2000.0, 0.5), ("Lund", 1, 500.0, 2.0)]
    mix = figure_table(slug="offence-mix", **args)
    assert nonzero(mix, "district", "category", value="reports_per_1000") == {
        ("Øster", "narko"): 0.5, ("Lund", "vold"): 2.0}
    share = figure_table(slug="reports-share", **args)
    assert nonzero(share, "category", "district", value="share_pct") == {
        ("narko", "Øster"): 100.0, ("vold", "Lund"): 100.0}
    charges = figure_table(slug="charges-by-category", **args)
    assert nonzero(charges, "district", "category", value="charges") == {("Øster", "narko"): 2, ("Lund", "vold"): 1}
    charge_share = figure_table(slug="charges-share", **args)
    assert nonzero(charge_share, "category", "district", value="share_pct") == {
        ("narko", "Øster"): 100.0, ("vold", "Lund"): 100.0}
    persons = figure_table(slug="charged-persons-residence", **args)
    assert rows(persons, "home_municipality", "home_district", "persons") == [
        ("Albertslund", "", 0), ("Albertslund", "Vester", 0), ("Albertslund", "Øster", 0), ("Albertslund", "Lund", 0),
        ("Høje-Taastrup", "", 2), ("Uoplyst", "", 1)]


def test_a_quarter_by_offence_date_loses_what_was_committed_the_year_before(town):
    report = figure_table(slug="reports-by-period", municipality=town, period="2016K1")
    offence = figure_table(slug="reports-by-period", municipality=town, period="2016K1", date_basis="offence")
    assert nonzero(report, "district", "category", value="reports") == {
        ("Vester", "vold"): 1, ("Øster", "indbrud"): 1, ("Lund", "tyveri"): 1}
    assert nonzero(offence, "district", "category", value="reports") == {("Vester", "vold"): 1, ("Øster", "indbrud"): 1}
    persons_report = figure_table(slug="charged-persons-residence", municipality=town, period="2016K1")
    persons_offence = figure_table(slug="charged-persons-residence", municipality=town, period="2016K1",
                                   date_basis="offence")
    # p4's charges are on L1 (Lund, 2015 by offence date) and V1; p1's on O1: two persons either way
    assert persons_report["persons"].iloc[0] == persons_offence["persons"].iloc[0] == 2


def test_a_municipality_without_districts_or_offences_gets_empty_rates(town):
    """Found while speeding up district names: an empty frame kept a float district column and the merge failed."""
    from districts.models import Municipality

    ballerup = Municipality.objects.create(code="151", name="Ballerup")
    table = figure_table(slug="reports-per-1000", municipality=ballerup, period="2016")
    assert list(table.columns) == ["period", "district", "reports", "population", "reports_per_1000"]
    assert table.empty
