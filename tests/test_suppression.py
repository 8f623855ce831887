"""Small-count suppression in public views (domain.md), on hand-made tables."""

import pandas as pd

from reports.figures import suppress


def test_a_small_cell_and_the_cell_that_would_reveal_it_are_hidden():
    table = pd.DataFrame({"period": ["2016"] * 3, "district": ["Vester", "Øster", "Lund"],
                          "category": ["vold"] * 3, "charges": [2, 5, 9]})
    out = suppress(table, slug="charges-by-category", min_count=3)
    # Vester's 2 is small; with Øster and Lund shown, a published total would give it away: the next
    # smallest (Øster's 5) is hidden too, marked ".." because it is not itself small
    assert list(out["charges"]) == ["<3", "..", 9]


def test_two_small_cells_hide_each_other_and_zeros_stay():
    table = pd.DataFrame({"period": ["2016"] * 4, "district": ["Vester", "Øster", "Lund", ""],
                          "category": ["vold"] * 4, "charges": [1, 2, 9, 0]})
    assert list(suppress(table, slug="charges-by-category", min_count=3)["charges"]) == ["<3", "<3", 9, 0]


def test_groups_are_separate_and_linked_shares_go_with_their_counts():
    table = pd.DataFrame({"period": ["2016"] * 4, "category": ["vold", "vold", "narko", "narko"],
                          "district": ["Vester", "Lund", "Vester", "Lund"], "charges": [4, 6, 1, 7],
                          "share_pct": [40.0, 60.0, 12.5, 87.5]})
    out = suppress(table, slug="charges-share", min_count=3)
    assert list(out["charges"]) == [4, 6, "<3", ".."]  # vold untouched; narko's 1 and the 7 beside it
    assert list(out["share_pct"])[:2] == [40.0, 60.0] and out["share_pct"].iloc[2:].isna().all()


def test_the_minimum_is_a_setting_and_other_figures_pass_through():
    table = pd.DataFrame({"period": ["2016"] * 4, "home_municipality_code": ["165", "165", "165", "169"],
                          "home_municipality": ["Albertslund"] * 3 + ["Høje-Taastrup"],
                          "home_district": ["", "Vester", "Øster", ""], "persons": [17, 4, 13, 4]})
    # the municipality's total and its districts are one group; Høje-Taastrup is a group of its own
    out = suppress(table, slug="charged-persons-residence", min_count=5)
    assert list(out["persons"]) == [17, "<5", "..", "<5"]
    reports = pd.DataFrame({"period": ["2016"], "district": ["Vester"], "reports": [1]})
    assert suppress(reports, slug="reports-by-period", min_count=3).equals(reports)


def test_two_small_cells_whose_sum_gives_them_away_get_a_third_hidden():
    """2 and 2 under a published total can only be 2 and 2 (and 1 and 1 only 1 and 1): a third cell is hidden."""
    table = pd.DataFrame({"period": ["2016"] * 4, "district": ["Vester", "Øster", "Lund", ""],
                          "category": ["vold"] * 4, "charges": [2, 2, 9, 7]})
    assert list(suppress(table, slug="charges-by-category", min_count=3)["charges"]) == ["<3", "<3", 9, ".."]


def test_a_hidden_three_beside_a_one_would_still_pin_it_so_the_total_is_hidden_instead():
    """1 and 3 of total 4: with the 3 hidden (".." is at least 3) the 1 would still be 1; hiding the total (fig. 7's
    shares, which give it) leaves 1 or 2."""
    table = pd.DataFrame({"period": ["2016"] * 2, "category": ["narko"] * 2, "district": ["Vester", "Lund"],
                          "charges": [1, 3], "share_pct": [25.0, 75.0]})
    out = suppress(table, slug="charges-share", min_count=3)
    assert list(out["charges"]) == ["<3", 3] and out["share_pct"].isna().all()


def test_a_small_total_shows_all_its_parts_small_zeros_too():
    """Two '<3' districts under a '<3' total could only be 1 and 1; with every district '<3' (a 0 is below 3 too)
    each can be 0, 1 or 2."""
    table = pd.DataFrame({"period": ["2016"] * 4, "age_group": ["15-17"] * 4,
                          "home_district": ["", "Vester", "Øster", "Lund"], "persons": [2, 1, 1, 0],
                          "population": [100.0, 40.0, 30.0, 30.0], "persons_per_1000": [20.0, 25.0, 33.3, 0.0],
                          "share_pct": [2.0, 2.5, 3.3, 0.0]})
    out = suppress(table, slug="young-charged-share", min_count=3)
    assert list(out["persons"]) == ["<3"] * 4
    assert out["share_pct"].isna().all() and out["persons_per_1000"].isna().all()
    assert list(out["population"]) == [100.0, 40.0, 30.0, 30.0]  # not personal


def test_columns_derived_from_a_count_are_hidden_with_it_listed_or_named_after_it():
    """The hook for later columns (e.g. uncertainty intervals): ``<count>_…`` and ``<derived>_…`` go with the count."""
    from reports.figures import PROTECTIONS
    from reports.suppression import derived_columns

    table = pd.DataFrame({"period": ["2016"] * 3, "age_group": ["15-17"] * 3, "home_district": ["", "Vester", "Øster"],
                          "persons": [9, 1, 8], "population": [300.0, 100.0, 200.0],
                          "persons_per_1000": [30.0, 10.0, 40.0], "share_pct": [3.0, 1.0, 4.0],
                          "persons_ci_low": [4, 0, 3], "share_pct_ci_high": [5.5, 5.6, 7.9]})
    own, margin = derived_columns(table, PROTECTIONS["young-charged-share"])
    assert own == ["persons_per_1000", "share_pct", "persons_ci_low", "share_pct_ci_high"] and margin == []
    out = suppress(table, slug="young-charged-share", min_count=3)
    assert list(out["persons"]) == [9, "<3", ".."]
    assert out.loc[1:, own].isna().all().all() and list(out.loc[0, own]) == [30.0, 3.0, 4, 5.5]


def test_a_group_is_protected_alike_whatever_its_row_order():
    """A year's cells look the same in every query (one year or ten, any category order): the plan's ties are broken
    by the cells' names, not by their rows' order."""
    table = pd.DataFrame({"period": ["2016"] * 4, "district": ["Vester", "Øster", "Lund", ""],
                          "category": ["vold"] * 4, "charges": [1, 5, 5, 9]})
    once = suppress(table, slug="charges-by-category", min_count=3).set_index("district")["charges"]
    turned = suppress(table.iloc[::-1].reset_index(drop=True), slug="charges-by-category", min_count=3)
    assert once.to_dict() == turned.set_index("district")["charges"].to_dict()
    assert sorted(map(str, once)) == ["..", "5", "9", "<3"]
