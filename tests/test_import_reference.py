import datetime as dt

import pytest

from districts.models import District, PopulationCount, StreetRange
from importers.services import batch_rollback, file_import
from reports.models import ActivityFigure, CategoryCode

pytestmark = pytest.mark.django_db


def load(import_data, name, **kw):
    return file_import(data=import_data(name), file_name=name, **kw)


def test_population_by_district_with_age_band(reference, import_data):
    result = load(import_data, "befolkning.csv", municipality=reference["165"])
    assert result.ok, result.errors
    assert result.kind == "population"
    lund = PopulationCount.objects.filter(district__name="Lund", date=dt.date(2016, 7, 1))
    assert set(lund.values_list("age_from", "age_to", "count")) == {(0, 125, 9170), (15, 17, 350)}
    without_municipality = file_import(data=import_data("befolkning.csv"), file_name="b.csv")
    assert not without_municipality.ok
    assert "ingen kommune valgt" in without_municipality.errors[0].reason


def test_street_table_replaces_and_assigns(reference, import_data):
    before = StreetRange.objects.filter(municipality=reference["165"]).count()  # the reference street table
    assert before > 0
    result = load(import_data, "vejtabel.csv", municipality=reference["165"])
    assert result.ok, result.errors
    assert StreetRange.objects.filter(street_name="Testvej").count() == 3
    assert result.rows_removed == before  # the file replaces the municipality's street table
    assert StreetRange.objects.filter(municipality=reference["165"]).count() == 3
    letter = StreetRange.objects.get(street_name="Testvej", side="begge")
    assert (letter.house_to, letter.house_to_letter) == (21, "C")
    from districts.addresses import DistrictLocator

    locator = DistrictLocator.for_municipality(reference["165"])
    names = {d.pk: d.name for d in District.objects.all()}
    assert names[locator.locate(address="Testvej 7").district_id] == "Lund"
    assert names[locator.locate(address="testvej 8, 2. tv").district_id] == "Øster"
    assert names[locator.locate(address="Testvej 21B").district_id] == "Vester"
    assert locator.locate(address="Testvej 21D").district_id is None
    assert batch_rollback(batch=result.batch).ok
    assert StreetRange.objects.filter(municipality=reference["165"]).count() == before
    assert not StreetRange.objects.filter(street_name="Testvej").exists()


@pytest.mark.parametrize("name", ["graenser_wgs84.geojson", "graenser_utm32.geojson"])
def test_boundaries_wgs84_and_utm(reference, import_data, name):
    result = load(import_data, name, municipality=reference["165"])
    assert result.ok, result.errors
    ring = District.objects.get(name="Lund").boundary["coordinates"][0]
    assert ring[0][0] == pytest.approx(12.30, abs=1e-4) and ring[0][1] == pytest.approx(55.60, abs=1e-4)


def test_categories_replace_rules_and_recategorise(reference, import_data):
    assert CategoryCode.objects.filter(category__slug="vold", code="73211").exists()
    result = load(import_data, "gerningstyper.csv")
    assert result.ok, result.errors
    assert result.kind == "categories"
    assert not CategoryCode.objects.filter(category__slug="vold", source="dst", code="1255").exists()
    assert any("vold" in w and "faldt ud" in w for w in result.warnings)
    assert batch_rollback(batch=result.batch).ok
    assert CategoryCode.objects.filter(category__slug="vold", source="dst", code="1255").exists()


def test_metrics_with_decimal_comma(reference, import_data):
    result = load(import_data, "noegletal.csv", municipality=reference["165"])
    assert result.ok, result.errors
    unsafe = ActivityFigure.objects.get(name="Andel utrygge")
    assert (unsafe.value, unsafe.unit, unsafe.district.name, unsafe.period) == (9.5, "procent", "Lund", "2017")
