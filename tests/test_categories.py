import pytest
from django.db import IntegrityError

from reports.categories import (
    Rule,
    categories_for_code,
    category_membership_refresh,
    offence_codes_register,
)
from reports.models import CategoryCode, CategoryRule, OffenceCategory

pytestmark = pytest.mark.django_db

RULES = [
    Rule("tyveri", "politi", "75"),
    Rule("tyveri", "politi", "753", exclude=True),
    Rule("indbrud", "politi", "753"),
    Rule("vold", "politi", "732"),
    Rule("borgervendt", "politi", "732"),
    Rule("borgervendt", "politi", "75"),
    Rule("borgervendt", "politi", "7531", exclude=True),
    Rule("vold", "dst", "125"),
    Rule("indbrud", "dst", "1320"),
]


def test_include_and_longer_exclude():
    assert categories_for_code("75110", "politi", RULES) == {"tyveri", "borgervendt"}
    assert categories_for_code("75310", "politi", RULES) == {"indbrud"}
    assert categories_for_code("75320", "politi", RULES) == {"indbrud", "borgervendt"}


def test_overlapping_categories():
    assert categories_for_code("73241", "politi", RULES) == {"vold", "borgervendt"}


def test_sources_are_separate_vocabularies():
    assert categories_for_code("1252", "dst", RULES) == {"vold"}
    assert categories_for_code("1252", "politi", RULES) == set()
    assert categories_for_code("73241", "dst", RULES) == set()
    assert categories_for_code("1320", "dst", RULES) == {"indbrud"}


def test_exclude_shorter_than_include_does_not_exclude():
    rules = [Rule("x", "politi", "7531"), Rule("x", "politi", "753", exclude=True)]
    assert categories_for_code("75310", "politi", rules) == {"x"}


def test_membership_materialised_and_refreshed_when_rules_change(dke_categories):
    offence_codes_register(source="politi", codes={"75110": "Tyveri", "75310": "Indbrud", "73241": "Simpel vold"})
    members = set(CategoryCode.objects.values_list("category__slug", "code"))
    assert members == {("tyveri", "75110"), ("indbrud", "75310"), ("vold", "73241")}

    tyveri = OffenceCategory.objects.get(slug="tyveri")
    CategoryRule.objects.filter(category=tyveri, prefix="753").delete()
    changes = category_membership_refresh()
    assert changes == {"tyveri": {"added": 1, "removed": 0}}
    assert ("tyveri", "75310") in set(CategoryCode.objects.values_list("category__slug", "code"))


def test_register_is_idempotent_and_fills_texts(dke_categories):
    assert offence_codes_register(source="politi", codes={"73241": ""}) == 1
    assert offence_codes_register(source="politi", codes={"73241": "Simpel vold"}) == 0
    from reports.models import OffenceCode

    assert OffenceCode.objects.get(code="73241").text == "Simpel vold"


def test_rule_prefix_unique_per_category(dke_categories):
    vold = OffenceCategory.objects.get(slug="vold")
    with pytest.raises(IntegrityError):
        CategoryRule.objects.create(category=vold, source="politi", prefix="732")
