"""Bad reference files (population, streets, nøgletal, categories, boundaries): a Danish row error
that says what and where, and nothing stored."""

import datetime as dt
import json

import pytest

from districts.models import District, PopulationCount, StreetRange
from importers.services import file_import
from reports.models import ActivityFigure, CategoryRule
from tests.importing import import_rejected, stored_rows

pytestmark = pytest.mark.django_db

POPULATION = "Bydel;Dato;Antal;Køn;Alder\n"
STREETS = "Vejnavn;Husnr fra;Husnr til;Side;Postnr;Bydel\n"
METRICS = "Nøgletal;Periode;Værdi;Bydel;Enhed\n"
CATEGORIES = "Kategori;Kode;Kilde;Navn;Udelad\n"
SQUARE = [[12.3, 55.6], [12.34, 55.6], [12.34, 55.64], [12.3, 55.64], [12.3, 55.6]]


def rejected(text: str | bytes, name: str = "fil.csv", **kw):
    """Import ``text``; it must be rejected with nothing stored."""
    return import_rejected(text.encode() if isinstance(text, str) else text, name, **kw)


def one_error(result):
    (problem,) = result.errors
    return problem


def collection(*features, crs: str | None = None) -> str:
    body: dict = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        body["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(body)


def feature(name="Lund", coordinates=None, geometry=None):
    if geometry is None:
        geometry = {"type": "Polygon", "coordinates": [SQUARE] if coordinates is None else coordinates}
    return {"type": "Feature", "properties": {"navn": name}, "geometry": geometry}


# --- Population -------------------------------------------------------------------------------


def test_population_row_without_district_is_an_error_and_the_folk1a_total_stays(reference):
    muni = reference["165"]
    PopulationCount.objects.create(municipality=muni, district=None, date=dt.date(2016, 7, 1), count=27792)
    result = rejected(POPULATION + ";01-07-2016;100;;\n", municipality=muni)
    problem = one_error(result)
    assert (problem.row, problem.column, problem.value, problem.reason) == (2, "Bydel", "", "Bydel mangler")
    assert PopulationCount.objects.get(municipality=muni, district=None).count == 27792


@pytest.mark.parametrize(("row", "column", "value", "reason"), [
    ("Vester;01-07-2016;inf;;", "Antal", "inf", "er ikke et antal"),
    ("Vester;01-07-2016;nan;;", "Antal", "nan", "er ikke et antal"),
    ("Vester;01-07-2016;1e30;;", "Antal", "1e30", "for stort"),
    ("Vester;01-07-2016;99999999999;;", "Antal", "99999999999", "højst 2.147.483.647"),
    ("Vester;01-07-2016;100;;17-15", "Alder", "17-15", "vendt om"),
    ("Vester;01-07-2016;100;;99999", "Alder", "99999", "mellem 0 og 125"),
    ("Vester;01-07-2016;100;;200-999", "Alder", "200-999", "mellem 0 og 125"),
    ("Vester;01-07-9999;100;;", "Dato", "01-07-9999", "uden for årene 1900–2100"),
])
def test_population_values_the_database_cannot_hold(reference, row, column, value, reason):
    problem = one_error(rejected(POPULATION + row + "\n", municipality=reference["165"]))
    assert (problem.row, problem.column, problem.value) == (2, column, value)
    assert reason in problem.reason


def test_population_same_district_in_other_case_names_both_rows(reference):
    result = rejected(POPULATION + "Vester;01-07-2016;100;;\nvester;01-07-2016;200;;\n", municipality=reference["165"])
    problem = one_error(result)
    assert (problem.row, problem.column, problem.value) == (3, "Bydel/Dato", "vester")
    assert "række 2" in problem.reason


# --- Street table -----------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "row", "column", "value", "reason"), [
    ("Testvej;1;99999999999999999999;begge;2620;Lund", 2, "Husnr til", "99999999999999999999", "for stort"),
    ("Testvej;20;2;lige;2620;Lund", 2, "Husnr fra", "20", "større end Husnr til (2)"),
    ("Testvej;10B;10A;lige;2620;Lund", 2, "Husnr fra", "10B", "større end Husnr til (10A)"),
    (";1;5;begge;2620;Lund", 2, "Vejnavn", "", "Vejnavn mangler"),
    ("Testvej;1;5;begge;abcdefg;Lund", 2, "Postnr", "abcdefg", "fire cifre"),
    ("V" * 201 + ";1;5;begge;2620;Lund", 2, "Vejnavn", "V" * 80 + "…", "højst 200 tegn"),
    ("ß" * 150 + ";1;5;begge;2620;Lund", 2, "Vejnavn", "ß" * 80 + "…", "højst 200 tegn"),  # its key is "ss" * 150
    ("Testvej;2;20;lige;2620;Lund\nTestvej;2;20;lige;2620;Øster", 3, "Vejnavn/Husnr", "Testvej 2-20 (lige)",
     "række 2"),
    ("Testvej;2;20;lige;2620;Lund\nTestvej;10;30;lige;2620;Øster", 3, "Husnr fra/Husnr til",
     "Testvej 10-30 (lige)", "Overlapper række 2 (Testvej 2-20 (lige)), som peger på bydel Lund"),
    ("Testvej;10;30;begge;2620;Øster\ntestvej;3;11;ulige;2620;Lund", 3, "Husnr fra/Husnr til",
     "testvej 3-11 (ulige)", "Overlapper række 2"),
])
def test_street_table_bad_rows(reference, rows, row, column, value, reason):
    problem = one_error(rejected(STREETS + rows + "\n", municipality=reference["165"]))
    assert (problem.row, problem.column, problem.value) == (row, column, value)
    assert reason in problem.reason


def test_street_vejkode_longer_than_the_field(reference):
    text = "Vejnavn;Husnr fra;Husnr til;Side;Postnr;Bydel;Vejkode\nTestvej;1;5;begge;2620;Lund;12345678901\n"
    problem = one_error(rejected(text, municipality=reference["165"]))
    assert (problem.row, problem.column) == (2, "Vejkode") and "højst 10 tegn" in problem.reason


def test_street_ranges_that_do_not_share_an_address_are_kept(reference):
    rows = ("Testvej;1;19;ulige;2620;Lund\nTestvej;2;20;lige;2620;Øster\nTestvej;21;21C;begge;2620;Vester\n"
            "Testvej;21D;21F;begge;2620;Lund\nTestvej;10A;10Z;lige;2620;Øster\nTestvej;12;12;lige;2620;Øster\n"
            "Testvej;30;40;begge;2625;Vester\nTestvej;31;41;begge;2620;Lund\n")
    result = file_import(data=(STREETS + rows).encode(), file_name="v.csv", municipality=reference["165"])
    assert result.ok, result.errors
    assert StreetRange.objects.filter(street_name="Testvej").count() == 8


# --- Activity figures (nøgletal) ---------------------------------------------------------------


@pytest.mark.parametrize(("rows", "row", "column", "value", "reason"), [
    ("Niveau 1-sager;2017H2;42;;antal\nNiveau 1-sager;2017H2;43;;antal", 3, "Nøgletal/Periode",
     "Niveau 1-sager 2017H2", "står også i række 2"),
    ("Niveau 1-sager;2017H2;42;Lund;antal\nNiveau 1-sager;2017H2;43;lund;antal", 3, "Nøgletal/Periode",
     "Niveau 1-sager 2017H2", "står også i række 2"),
    ("Niveau 1-sager;2017H2;nan;;antal", 2, "Værdi", "nan", "ikke et tal"),
    ("Niveau 1-sager;2017H2;inf;;antal", 2, "Værdi", "inf", "ikke et tal"),
    (";2017;1;;", 2, "Nøgletal", "", "Nøgletal mangler"),
    ("Andel utrygge;2017;250;;procent", 2, "Værdi", "250", "mellem 0 og 100"),
    ("Andel;2017;-20%;;", 2, "Værdi", "-20%", "mellem 0 og 100"),
    ("Andel;2017;20%;;antal", 2, "Værdi", "20%", "enheden er antal"),
    ("V;0000;1;;", 2, "Periode", "0000", "uden for årene 1900–2100"),
    ("N" * 201 + ";2017;1;;", 2, "Nøgletal", "N" * 80 + "…", "højst 200 tegn"),
])
def test_metrics_bad_rows(reference, rows, row, column, value, reason):
    problem = one_error(rejected(METRICS + rows + "\n", municipality=reference["165"]))
    assert (problem.row, problem.column, problem.value) == (row, column, value)
    assert reason in problem.reason


def test_metrics_percent_sign_and_large_counts_are_accepted(reference):
    text = METRICS + "Andel utrygge;2017;9,5%;;\nHjemmebesøg;2017;250;;antal\n"
    result = file_import(data=text.encode(), file_name="n.csv", municipality=reference["165"])
    assert result.ok, result.errors
    assert ActivityFigure.objects.get(name="Andel utrygge").unit == "procent"
    assert ActivityFigure.objects.get(name="Hjemmebesøg").value == 250


# --- Categories -------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "column", "value", "reason"), [
    ("vold;732;politi;" + "N" * 101 + ";N", "Navn", "N" * 80 + "…", "højst 100 tegn"),
    ("vold;ABC;politi;Vold;N", "Kode", "ABC", "cifre"),
    ("vold;1234567;politi;Vold;N", "Kode", "1234567", "1–6 cifre"),
    ("vold;732;politi;Vold;Måske", "Udelad", "Måske", "J, N eller tom"),
])
def test_categories_bad_rows(reference, row, column, value, reason):
    problem = one_error(rejected(CATEGORIES + row + "\n"))
    assert (problem.row, problem.column, problem.value) == (2, column, value)
    assert reason in problem.reason


def test_categories_accept_spelled_out_yes_and_no_and_dst_text_codes(reference):
    text = CATEGORIES + "vold;732;politi;Vold;Nej\nvold;7329;politi;Vold;ja\nvold;TOT;dst;Vold;\n"
    result = file_import(data=text.encode(), file_name="k.csv")
    assert result.ok, result.errors
    rules = set(CategoryRule.objects.filter(category__slug="vold").values_list("source", "prefix", "exclude"))
    assert rules == {("politi", "732", False), ("politi", "7329", True), ("dst", "TOT", False)}


# --- Header only ------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "kw"), [
    (POPULATION, {"municipality": True}), (STREETS, {"municipality": True}),
    (METRICS, {"municipality": True}), (CATEGORIES, {}),
])
def test_header_only_reference_files_warn(reference, header, kw):
    before = stored_rows()
    result = file_import(data=header.encode(), file_name="tom.csv",
                         **{k: reference["165"] for k in kw})
    assert result.ok and result.rows_created == 0
    assert any("ingen rækker under overskriften" in w for w in result.warnings)
    assert stored_rows() == before


# --- Boundaries (GeoJSON) ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "row", "column", "value", "reason"), [
    ('{"type": "FeatureCollection", "features": [1, "x"]}', 1, "feature", "1", "ikke et GeoJSON-objekt"),
    (collection({"type": "Feature", "properties": ["Lund"], "geometry": feature()["geometry"]}), 1, "properties",
     '["Lund"]', "properties skal være et objekt"),
    (collection(feature(geometry="POLYGON((1 2,3 4))")), 1, "geometry", '"POLYGON((1 2,3 4))"',
     "geometry skal være et GeoJSON-objekt"),
    (collection(feature(coordinates=[[["a", "b"], [1]]])), 1, "geometry", '"a"', "Koordinaten er ikke et tal"),
    (collection(feature(coordinates=[[["707892.9", "6166504.2"], ["710411.8", "6166624.8"]]])), 1, "geometry",
     '"707892.9"', "Koordinaten er ikke et tal"),
    (collection(feature(coordinates=[[[707892.9, 6166504.2], [710411.8]]])), 1, "geometry", "[710411.8]",
     "Et punkt skal være to tal"),
    (collection(feature(coordinates=[])), 1, "geometry", "[]", "ingen koordinater"),
    (collection(feature(coordinates=[SQUARE[:3]])), 1, "geometry", "[[12.3, 55.6], [12.34, 55.6], [12.34, 55.64]]",
     "Ringen er ikke lukket"),
    (collection(feature(coordinates=[[SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3], SQUARE[0]]])), 1, "geometry",
     "Polygon", "Polygonet er ugyldigt: kanten krydser sig selv ved længdegrad 12,32000, breddegrad 55,62000"),
    (collection(feature(coordinates=[[[y, x] for x, y in SQUARE]])), 1, "geometry", "Polygon",
     "Grænsen ligger uden for Danmark"),
    (collection(feature(), feature("lund", coordinates=[[[0, 0], [1, 0], [1, 1], [0, 0]]])), 2, "navn", "lund",
     "Bydelen står også i feature 1 ('Lund')"),
    ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"navn":"Lund"},"geometry":'
     '{"type":"Polygon","coordinates":[[[NaN,55.6],[Infinity,55.6],[12.34,55.64],[NaN,55.6]]]}}]}', 1, "geometry",
     "[NaN, 55.6]", "ikke et endeligt tal"),
])
def test_boundaries_bad_features(reference, text, row, column, value, reason):
    problem = rejected(text, "g.geojson", municipality=reference["165"]).errors[0]
    assert (problem.row, problem.column, problem.value) == (row, column, value)
    assert reason in problem.reason


@pytest.mark.parametrize(("data", "message"), [
    (b'{"type": "FeatureCollection", "features": {"a": 1}}', "'features' skal være en liste"),
    (b'{"type": "FeatureCollection", "features": [', "fejl i linje 1, kolonne 44 (her skulle der stå en værdi)"),
    (b'{"type":"FeatureCollection","features":[{"geometry":' + b"[" * 100_000, "for mange niveauer"),
    (collection(feature(), crs="urn:ogc:def:crs:EPSG::999999").encode(), "EPSG:999999, som ikke kendes"),
    (collection(feature(), crs="min egen").encode(), "koordinatsystem (crs), der ikke kendes"),
])
def test_boundaries_unreadable_files(reference, data, message):
    result = rejected(data, "g.geojson", municipality=reference["165"])
    assert message in result.message
    assert "Filen g.geojson" in result.message


def test_boundaries_in_windows_1252_are_read(reference):
    data = json.dumps({"type": "FeatureCollection", "features": [feature("Øster")]},
                      ensure_ascii=False).encode("cp1252")
    assert b"\xd8ster" in data
    result = file_import(data=data, file_name="g.geojson", municipality=reference["165"])
    assert result.ok, result.errors
    assert District.objects.get(name="Øster").boundary["coordinates"][0][0] == [12.3, 55.6]


def test_boundaries_in_web_mercator_are_converted_from_web_mercator(reference):
    square = [[1369000, 7470000], [1372000, 7470000], [1372000, 7474000], [1369000, 7470000]]
    data = collection(feature(coordinates=[square]), crs="urn:ogc:def:crs:EPSG::3857").encode()
    result = file_import(data=data, file_name="g.geojson", municipality=reference["165"])
    assert result.ok, result.errors
    assert any("EPSG:3857" in w for w in result.warnings)
    lon, lat = District.objects.get(name="Lund").boundary["coordinates"][0][0]
    assert lon == pytest.approx(12.298, abs=1e-3) and lat == pytest.approx(55.553, abs=1e-3)
