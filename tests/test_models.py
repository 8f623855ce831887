import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from districts.models import District, PopulationCount
from reports.models import Charge, ReportedOffence

pytestmark = pytest.mark.django_db


def _offence(muni, journal="0400-1", forhold=1, **kw):
    return ReportedOffence.objects.create(
        journal_number=journal, forhold=forhold, report_date=dt.date(2016, 3, 1),
        code="73241", municipality=muni, **kw,
    )


def test_offence_natural_key(albertslund):
    _offence(albertslund)
    _offence(albertslund, forhold=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        _offence(albertslund)


def test_charge_natural_key_allows_several_persons(albertslund):
    offence = _offence(albertslund)
    Charge.objects.create(journal_number="0400-1", forhold=1, person_key="a", offence=offence)
    Charge.objects.create(journal_number="0400-1", forhold=1, person_key="b", offence=offence)
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(journal_number="0400-1", forhold=1, person_key="a")


def test_orphan_charge_is_kept(albertslund):
    charge = Charge.objects.create(journal_number="9999-1", forhold=1, person_key="x")
    assert charge.offence is None


def test_population_unique_per_area_date_and_band(albertslund):
    lund = District.objects.get(name="Lund")
    day = dt.date(2016, 7, 1)
    PopulationCount.objects.create(municipality=albertslund, date=day, count=27000)
    PopulationCount.objects.create(municipality=albertslund, district=lund, date=day, count=9000)
    PopulationCount.objects.create(
        municipality=albertslund, district=lund, date=day, age_from=15, age_to=17, count=400
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PopulationCount.objects.create(municipality=albertslund, date=day, count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PopulationCount.objects.create(municipality=albertslund, district=lund, date=day, count=1)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_start_page_lists_municipalities_with_data(client, albertslund, member):
    client.force_login(member("Medarbejder", albertslund))
    assert "/kommune/165/" not in client.get("/").content.decode()  # no data yet
    _offence(albertslund)
    page = client.get("/").content.decode()
    assert "Albertslund" in page and "/kommune/165/" in page
    client.logout()
    assert "/kommune/165/" not in client.get("/").content.decode()  # anonymous: only public municipalities
    albertslund.public_view = True
    albertslund.save()
    assert "/kommune/165/" in client.get("/").content.decode()
