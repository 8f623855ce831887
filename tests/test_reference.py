import datetime as dt
import hashlib

import pytest
from django.apps import apps
from django.core.management import call_command

from districts.models import District, Municipality, PopulationCount, StreetRange
from reports.models import CategoryCode, ReportCategory

pytestmark = pytest.mark.django_db


def database_checksum() -> tuple[dict[str, int], str]:
    """Row counts and a hash of every row of every project model (ids included)."""
    counts, digest = {}, hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label not in {"districts", "reports", "importers", "comparisons"}:
            continue
        rows = list(model.objects.order_by("pk").values_list())
        counts[model.__name__] = len(rows)
        digest.update(repr(rows).encode())
    return counts, digest.hexdigest()


@pytest.fixture
def reference(db):  # the full command, overriding the fast fixture of conftest.py
    call_command("load_reference", verbosity=0)


def test_load_reference_twice_changes_nothing(reference):
    before = database_checksum()
    call_command("load_reference", verbosity=0)
    assert database_checksum() == before


def test_municipalities_groups_and_police_district(reference):
    assert Municipality.objects.count() == 98
    albertslund = Municipality.objects.get(code="165")
    assert albertslund.name == "Albertslund"
    assert albertslund.group_name == "Hovedstadskommuner"
    assert albertslund.police_district == "Københavns Vestegns Politi"
    assert Municipality.objects.filter(police_district="Københavns Vestegns Politi").count() == 11
    assert Municipality.objects.get(code="751").group_name == "Storbykommuner"
    assert albertslund.boundary["type"] in {"Polygon", "MultiPolygon"}
    assert albertslund.region_code == "084"


def test_every_municipality_has_a_region_and_one_of_the_12_police_districts(reference):
    from django.db.models import Count

    districts = dict(Municipality.objects.values_list("police_district").annotate(n=Count("pk")))
    assert len(districts) == 12 and "" not in districts
    assert districts["Københavns Politi"] == 4 and districts["Bornholms Politi"] == 1
    assert sum(districts.values()) == 98
    regions = dict(Municipality.objects.values_list("region_code").annotate(n=Count("pk")))
    assert regions == {"081": 11, "082": 19, "083": 22, "084": 29, "085": 17}
    assert Municipality.objects.get(code="751").police_district == "Østjyllands Politi"


def test_real_folk1a_values_on_first_day_of_quarter(reference):
    def count(code, day):
        return PopulationCount.objects.get(
            municipality__code=code, district__isnull=True, date=day, sex="", age_from=0, age_to=125
        ).count

    assert count("101", dt.date(2008, 1, 1)) == 509861
    # 2016K3, Albertslund, from folketal_kvartal_kommuner_2008K1-2022K3.csv
    assert count("165", dt.date(2016, 7, 1)) == 27792
    assert not PopulationCount.objects.filter(district__isnull=False).exists()


def test_albertslund_districts_streets_and_categories(reference):
    names = list(District.objects.filter(municipality__code="165").values_list("name", flat=True))
    assert names == ["Vester", "Øster", "Lund"]
    assert all(d.boundary and d.color for d in District.objects.all())
    assert StreetRange.objects.filter(street_key="hyldespjældet", district__name="Lund").exists()
    assert 50 <= StreetRange.objects.count() <= 80
    report = ReportCategory.objects.filter(municipality__code="165").values_list("category__slug", flat=True)
    assert list(report) == ["tyveri", "vold", "indbrud", "narko"]


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        ("politi", "73241", {"vold", "borgervendt"}),
        ("politi", "73291", {"borgervendt"}),  # trusler: not vold (longer exclude 7329), but citizen-facing
        ("politi", "75310", {"indbrud", "borgervendt"}),
        ("politi", "75120", {"tyveri", "borgervendt"}),
        ("politi", "75910", set()),  # hæleri: excluded from tyveri by the longer prefix 759
        ("politi", "84110", {"narko"}),
        ("dst", "1320", {"indbrud", "borgervendt"}),
        ("dst", "3210", {"narko"}),
        ("dst", "1357", set()),
    ],
)
def test_default_category_membership(reference, source, code, expected):
    found = set(CategoryCode.objects.filter(source=source, code=code).values_list("category__slug", flat=True))
    assert found == expected


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("Hyldespjældet 10", "Lund"),
        ("Lundevej 7", "Lund"),  # odd numbers up to 59 in Lund
        ("Lundevej 63", "Øster"),
        ("Lundevej 64, 2. th", "Øster"),
        ("Kongsholmcentret 1C", "Øster"),  # a letter range 1A–1K
        ("Hyldespjældet 200B", "Lund"),
        ("Roskildevej 401", "Vester"),
        ("Roskildevej 402", "Øster"),
        ("Topperne 152", "Øster"),
        ("Nyvej 1", None),
    ],
)
def test_street_table_places_addresses(reference, address, district):
    from districts.addresses import DistrictLocator

    locator = DistrictLocator.for_municipality(Municipality.objects.get(code="165"))
    found = locator.locate(address=address, postcode="2620").district_id
    assert (District.objects.get(pk=found).name if found else None) == district
