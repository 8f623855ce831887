"""Small-count suppression in public views (domain.md), on hand-made tables."""

import pandas as pd

from reports.suppression import suppress


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
