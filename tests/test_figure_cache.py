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
