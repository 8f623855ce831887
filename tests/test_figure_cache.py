"""Figure tables are cached under the data version: a repeat is one query, any change a fresh table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from importers.services import batch_rollback, file_import
from reports.models import CategoryRule, OffenceCategory
from reports.services import figure_table
from reports.versioning import data_version

pytestmark = pytest.mark.django_db


def reports_2016(municipality):
    table = figure_table(slug="reports-by-period", municipality=municipality, period="2016")
    return int(table["reports"].sum())


def test_repeat_is_served_from_cache_until_the_data_changes(reference, import_data):
    albertslund = reference["165"]
    assert reports_2016(albertslund) == 0
    batch = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").batch
    first = reports_2016(albertslund)
    assert first > 0  # the import made the cached empty table old
    with CaptureQueriesContext(connection) as queries:
        assert reports_2016(albertslund) == first
    assert len(queries) == 1  # only the data version is read
    assert batch_rollback(batch=batch).ok
    assert reports_2016(albertslund) == 0


def test_rule_edits_in_the_admin_change_the_version(reference, import_data):
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    before = data_version()
    albertslund = reference["165"]
    counted = reports_2016(albertslund)
    theft = OffenceCategory.objects.get(slug="tyveri")
    CategoryRule.objects.filter(category=theft).delete()  # signals: the version moves on
    assert data_version() > before
    from reports.categories import category_membership_refresh

    category_membership_refresh()
    assert reports_2016(albertslund) < counted


@pytest.mark.parametrize("slug", ["reports-per-1000", "charges-share", "charged-persons-residence"])
def test_district_and_public_views_are_cut_from_the_cached_whole_table(town, monkeypatch, slug):
    """Choosing districts, or the public view, reads the whole staff table from the cache and computes nothing.
    In public the whole table is protected first and the chosen districts' rows are cut from it (domain.md, "Small
    counts": a smaller table planned on its own gave hidden cells away through the shares)."""
    from reports import selectors
    from reports.figures import FIGURES, suppress
    from reports.services import with_unknown_district

    whole = figure_table(slug=slug, municipality=town, period="2016")
    for name in ("offence_counts", "charge_counts", "first_charge_persons"):
        monkeypatch.setattr(selectors, name, lambda **_kw: pytest.fail("computed again"))

    chosen = figure_table(slug=slug, municipality=town, period="2016", districts=["Øster", "Lund"], public=True)
    expected = whole
    if slug != "reports-per-1000":  # personal: protected in public, as a whole
        expected = suppress(with_unknown_district(whole, slug=slug), slug=slug, min_count=3)
    expected = FIGURES[slug].district_rows(expected, ["Øster", "Lund"])  # fig. 8: the chosen home districts
    assert chosen.equals(expected.reset_index(drop=True))
    if "district" in whole:
        assert set(chosen["district"]) == {"Øster", "Lund"} and len(chosen) < len(whole)
    if slug != "reports-per-1000":  # personal: small numbers hidden in public
        assert chosen.astype(str).isin(["<3"]).any().any()


def test_a_cached_dashboard_reads_its_body_as_one_piece_until_the_data_changes(client, town, member, monkeypatch):
    """Key figures, map and figure sections are rendered once per data version and filters: a repeat computes
    none of them and shows the same page; any change of the data renders them again."""
    from reports import dashboard
    from reports.versioning import data_changed
    from tests.pages import without_tokens

    client.force_login(member("Medarbejder", town))
    url = "/kommune/165/?period_from=2016H1&period_to=2016H2"
    first = client.get(url).content.decode()
    assert "Figur 8. Hvor bor de sigtede?" in first and "Nøgletal: 2. halvår 2016 til og med 20-11 mod 2. halvår 2015" in first

    from django.core.cache import cache

    stored = [key for key in getattr(cache, "_cache", {}) if "figure-html" in key]  # the test cache is in memory
    assert stored == []  # the body holds the sections; they are not stored a second time

    def refuse(**_kw):
        pytest.fail("computed again")

    for name in ("dashboard_blocks", "key_figure_rows", "district_map"):
        monkeypatch.setattr(dashboard, name, refuse)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).content.decode()
    assert without_tokens(again) == without_tokens(first)
    assert not [q for q in queries if "aggregate" in q["sql"] or "chargefact" in q["sql"]]

    data_changed()
    with pytest.raises(pytest.fail.Exception, match="computed again"):
        client.get(url)


def test_staff_and_public_dashboards_never_share_a_cached_body(client, town, member):
    """Small counts of charges are hidden in the public view only (domain.md); the cached body must keep them apart."""
    town.public_view = True
    town.save()
    url = "/kommune/165/?period_from=2016&period_to=2016"
    client.force_login(member("Medarbejder", town))
    staff = client.get(url).content.decode()
    client.logout()
    public = client.get(url).content.decode()
    client.force_login(member("Medarbejder", town, username="igen"))
    staff_again = client.get(url).content.decode()
    assert "&lt;3" in public and "&lt;3" not in staff and "&lt;3" not in staff_again
