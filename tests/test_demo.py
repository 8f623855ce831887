import datetime as dt

import pytest
from django.core.management import call_command

from districts.models import District, PopulationCount
from districts.population import population_on
from reports.models import CategoryCode, Charge, ReportedOffence
from tests.test_reference import database_checksum

pytestmark = pytest.mark.django_db


def content_checksum():
    """Demo rows without primary keys (a rerun may number rows differently on PostgreSQL)."""
    offences = list(
        ReportedOffence.objects.values_list(
            "journal_number", "report_date", "offence_date", "code", "district__name",
            "municipality__code",
        )
    )
    charges = list(
        Charge.objects.values_list(
            "journal_number", "person_key", "charge_date", "home_municipality__code", "home_district__name"
        )
    )
    population = list(PopulationCount.objects.values_list("district__name", "date", "age_from", "count"))
    return hash(repr(sorted(map(repr, offences + charges + population))))


def demo_rates_2016() -> dict[str, float]:
    codes = set(
        CategoryCode.objects.filter(
            source="politi", category__slug__in=["tyveri", "vold", "indbrud", "narko"]
        ).values_list("code", flat=True)
    )
    rates = {}
    for district in District.objects.filter(municipality__code="165"):
        reports = ReportedOffence.objects.filter(district=district, report_date__year=2016, code__in=codes).count()
        counts = PopulationCount.objects.filter(district=district, sex="", age_from=0, age_to=125).values_list(
            "date", "count")
        rates[district.name] = reports / population_on(counts, dt.date(2016, 7, 1)) * 1000
    return rates


def test_load_demo_is_deterministic_and_shaped_like_the_report():
    """Two loads (each takes seconds): same seed → same rows; the 2016 rates near 70/64/29."""
    call_command("load_demo", seed=1, verbosity=0)
    first = content_checksum()
    counts = database_checksum()[0]
    rates = demo_rates_2016()
    published = {"Lund": 70, "Øster": 64, "Vester": 29}
    for name, rate in rates.items():
        assert rate == pytest.approx(published[name], rel=0.15), name
    # charges arrive after reports: none after the data's end; some with no stated residence
    assert not Charge.objects.filter(charge_date__gt=dt.date(2025, 12, 31)).exists()
    assert Charge.objects.filter(home_municipality__isnull=True).exists()
    call_command("load_demo", seed=1, verbosity=0)
    assert content_checksum() == first
    assert database_checksum()[0] == counts  # a rerun replaces, never duplicates


def test_another_seed_gives_other_data(db):
    import numpy as np

    from districts.models import Municipality
    from seeding.generate import _Journal, offences_generate

    call_command("load_reference", verbosity=0)
    albertslund = Municipality.objects.get(code="165")
    districts = {d.name: d for d in District.objects.filter(municipality=albertslund)}

    def sample(seed):
        rows = offences_generate(np.random.default_rng(seed), municipality=albertslund, districts=districts,
                                 journal=_Journal(), batch=None)
        return [(o.report_date, o.code, o.district_id) for o in rows[:500]]

    assert sample(3) == sample(3)
    assert sample(3) != sample(4)
