"""The two real Statistics Denmark reference files load as import kinds of their own: the classification
KOMGRP (municipality groups, ``komgrp``) and the municipality boundaries (``mun_bounds``), through
``import_file`` and through the web upload. Both are shared by every municipality: only a Systemansvarlig or
a superuser loads them, and a rollback puts the previous groups and boundaries back."""

import json
from pathlib import Path

import pytest
import shapely
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from shapely.geometry import Point, shape

from districts.models import Municipality
from importers.models import ImportBatch
from importers.services import batch_rollback, file_import

pytestmark = pytest.mark.django_db
KOMGRP = Path(settings.BASE_DIR) / "fixtures" / "dst" / "komgrp_kommunegrupper.csv"
BOUNDARIES = Path(__file__).parent / "data" / "dst" / "kommunegraenser.geojson"
COPENHAGEN = Point(12.57, 55.68)  # Rådhuspladsen, roughly
ALBERTSLUND = Point(12.35, 55.66)


def group_of(code: str) -> tuple[str, str]:
    municipality = Municipality.objects.get(code=code)
    return municipality.group_code, municipality.group_name


def outline(code: str):
    return shape(Municipality.objects.get(code=code).boundary)


@pytest.fixture
def blank(reference):
    """The reference data without groups and boundaries: what the files bring is what is stored after."""
    Municipality.objects.update(group_code="", group_name="", boundary=None)
    return reference


# --- KOMGRP ------------------------------------------------------------------------------------------


def test_real_komgrp_through_import_file_sets_every_group(blank, capsys):
    call_command("import_file", str(KOMGRP))
    out = capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status, batch.shared_data) == ("komgrp", "done", True)
    assert (batch.rows_read, batch.rows_updated) == (103, 98)  # 5 groups and 98 municipalities
    assert "98 opdateret" in out
    assert group_of("165") == ("1", "Hovedstadskommuner")
    assert group_of("101") == ("1", "Hovedstadskommuner")
    assert group_of("461")[1] == "Storbykommuner"  # Odense
    assert {m.group_name for m in Municipality.objects.all()} == {
        "Hovedstadskommuner", "Storbykommuner", "Provinsbykommuner", "Oplandskommuner", "Landkommuner"}
    assert Municipality.objects.filter(group_name="Storbykommuner").count() == 3


def test_komgrp_with_an_explicit_kind(blank):
    call_command("import_file", str(KOMGRP), "--kind", "komgrp")
    assert group_of("165") == ("1", "Hovedstadskommuner")


def test_rollback_restores_the_previous_group(reference):
    Municipality.objects.filter(code="165").update(group_code="5", group_name="Landkommuner")
    result = file_import(data=KOMGRP.read_bytes(), file_name=KOMGRP.name)
    assert result.ok and result.rows_updated == 1 and result.rows_unchanged == 97
    assert group_of("165") == ("1", "Hovedstadskommuner")
    batch_rollback(batch=result.batch)
    assert group_of("165") == ("5", "Landkommuner")
    assert group_of("101") == ("1", "Hovedstadskommuner")  # unchanged by the file: untouched by the rollback


def test_an_unknown_municipality_in_komgrp_is_a_row_error(blank):
    text = KOMGRP.read_text(encoding="utf-8-sig").replace('"165";2;Albertslund', '"999";2;Atlantis')
    result = file_import(data=text.encode("utf-8"), file_name="komgrp.csv")
    assert not result.ok
    assert [(p.row, p.column, p.value) for p in result.errors] == [(12, "KODE", "999")]  # file line 12: SEKVENS 11
    assert "Ukendt kommune: 999 Atlantis" in result.errors[0].reason
    assert group_of("101") == ("", "")  # nothing stored


def test_a_group_file_without_municipalities_is_refused(blank):
    text = "SEKVENS;KODE;NIVEAU;TITEL\n1;1;1;Hovedstadskommuner\n2;2;1;Storbykommuner\n"
    result = file_import(data=text.encode("utf-8"), file_name="grupper.csv")
    assert not result.ok
    assert result.kind == "komgrp"
    assert "ingen kommuner (rækker på niveau 2)" in result.errors[0].reason


def test_a_municipality_before_any_group_and_a_wrong_level_are_row_errors(blank):
    text = "SEKVENS;KODE;NIVEAU;TITEL\n1;165;2;Albertslund\n2;1;1;Hovedstadskommuner\n3;101;3;København\n"
    result = file_import(data=text.encode("utf-8"), file_name="grupper.csv", kind="komgrp")
    assert [(p.row, p.column) for p in result.errors] == [(2, "NIVEAU"), (4, "NIVEAU")]
    assert "før den første gruppe" in result.errors[0].reason


# --- municipality boundaries --------------------------------------------------------------------------


def test_real_boundaries_through_import_file(blank, capsys):
    call_command("import_file", str(BOUNDARIES))
    out = capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status, batch.shared_data) == ("mun_bounds", "done", True)
    assert (batch.rows_read, batch.rows_updated) == (99, 98)  # 98 municipalities and Christiansø
    assert "Christiansø (411)" in out
    assert outline("101").contains(COPENHAGEN)
    assert not outline("165").contains(COPENHAGEN) and outline("165").contains(ALBERTSLUND)
    stored = Municipality.objects.get(code="101").boundary
    assert stored["type"] == "MultiPolygon"
    points = shapely.get_coordinates(outline("101"), include_z=True)
    assert points.shape[1] == 3 and all(p[2] != p[2] for p in points)  # two dimensions: no -999 stored
    assert all(round(x, 4) == x for x in shapely.get_coordinates(outline("101")).ravel())
    assert all(m.boundary and shape(m.boundary).is_valid for m in Municipality.objects.all())
    size = sum(len(json.dumps(m.boundary)) for m in Municipality.objects.all())
    assert size < BOUNDARIES.stat().st_size / 5  # simplified: a map of the country, not the survey


def test_boundaries_with_an_explicit_kind_and_rollback(reference):
    before = Municipality.objects.get(code="101").boundary  # load_reference's simplified outline
    call_command("import_file", str(BOUNDARIES), "--kind", "mun_bounds")
    assert Municipality.objects.get(code="101").boundary != before
    batch_rollback(batch=ImportBatch.objects.get())
    assert Municipality.objects.get(code="101").boundary == before


def feature(name: str, ring: list) -> dict:
    return {"type": "Feature", "properties": {"label_dk": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


SQUARE = [[12.30, 55.64], [12.38, 55.64], [12.38, 55.69], [12.30, 55.69], [12.30, 55.64]]


def test_an_unknown_municipality_name_is_a_row_error_naming_it(blank):
    collection = {"type": "FeatureCollection", "features": [feature("Albertslund", SQUARE), feature("Atlantis", SQUARE)]}
    result = file_import(data=json.dumps(collection).encode(), file_name="kommuner.geojson")
    assert result.kind == "mun_bounds" and not result.ok
    assert [(p.row, p.column, p.value) for p in result.errors] == [(2, "label_dk", "Atlantis")]
    assert "Ukendt kommune: Atlantis" in result.errors[0].reason
    assert Municipality.objects.get(code="165").boundary is None


def test_a_damaged_name_is_recognised_and_an_invalid_outline_is_a_row_error(blank):
    bow_tie = [[12.30, 55.64], [12.38, 55.69], [12.38, 55.64], [12.30, 55.69], [12.30, 55.64]]
    collection = {"type": "FeatureCollection", "features": [feature("Ish\ufffdj", SQUARE), feature("Albertslund", bow_tie)]}
    result = file_import(data=json.dumps(collection).encode(), file_name="kommuner.geojson")
    assert [(p.row, p.column) for p in result.errors] == [(2, "geometry")]
    assert "kanten krydser sig selv" in result.errors[0].reason
    good = {"type": "FeatureCollection", "features": [feature("Ish\ufffdj", SQUARE)]}
    result = file_import(data=json.dumps(good).encode(), file_name="kommuner.geojson")
    assert result.ok
    assert any("Ish\ufffdj" in w for w in result.warnings)
    assert shape(Municipality.objects.get(code="183").boundary).contains(Point(12.34, 55.66))


# --- the web upload -----------------------------------------------------------------------------------


def upload(client, path: Path, **fields):
    return client.post("/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes()), "kind": "auto", **fields})


def confirm(client) -> ImportBatch:
    batch = ImportBatch.objects.get()
    assert batch.status == "preview", batch.errors
    assert "Godkend og indlæs" in client.get(f"/import/{batch.pk}/").content.decode()
    client.post(f"/import/{batch.pk}/godkend/")
    batch.refresh_from_db()
    assert batch.status == "done"
    return batch


def test_real_komgrp_through_the_web_upload(system_analyst):
    Municipality.objects.update(group_code="", group_name="")
    upload(system_analyst, KOMGRP)
    page = system_analyst.get(f"/import/{ImportBatch.objects.get().pk}/").content.decode()
    assert "Hovedstadskommuner" in page
    batch = confirm(system_analyst)
    assert batch.kind == "komgrp"
    assert group_of("165") == ("1", "Hovedstadskommuner")
    assert group_of("851")[1] == "Storbykommuner"  # Aalborg


def test_real_boundaries_through_the_web_upload(system_analyst):
    Municipality.objects.update(boundary=None)
    upload(system_analyst, BOUNDARIES, kind="mun_bounds")
    page = system_analyst.get(f"/import/{ImportBatch.objects.get().pk}/").content.decode()
    assert "Christiansø (411)" in page
    batch = confirm(system_analyst)
    assert batch.kind == "mun_bounds"
    assert outline("101").contains(COPENHAGEN)
    assert not Municipality.objects.filter(boundary__isnull=True).exists()


@pytest.mark.parametrize("path", [KOMGRP, BOUNDARIES], ids=["komgrp", "mun_bounds"])
def test_an_analyst_without_systemansvarlig_is_refused(analyst, path):
    before = Municipality.objects.get(code="165")
    upload(analyst, path)
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert "kan kun ændres af en systemansvarlig eller en superbruger" in json.dumps(batch.errors, ensure_ascii=False)
    after = Municipality.objects.get(code="165")
    assert (after.group_name, after.boundary) == (before.group_name, before.boundary)


def test_a_municipality_twice_or_without_a_name_is_a_row_error(blank):
    nameless = {"type": "Feature", "properties": {"navn": "Ishøj"}, "geometry": feature("x", SQUARE)["geometry"]}
    collection = {"type": "FeatureCollection",
                  "features": [feature("Albertslund", SQUARE), feature("albertslund", SQUARE), nameless]}
    result = file_import(data=json.dumps(collection).encode(), file_name="kommuner.geojson", kind="mun_bounds")
    assert [(p.row, p.column) for p in result.errors] == [(2, "navn"), (3, "properties")]
    assert result.errors[0].reason.startswith("Kommunen står også i feature 1 ('Albertslund')")
    assert "ingen kommunenavn i egenskaben label_dk" in result.errors[1].reason
    result = file_import(data=json.dumps({"type": "FeatureCollection", "features": [nameless]}).encode(),
                         file_name="kommuner.geojson", kind="mun_bounds", options={"boundary_property": "navn"})
    assert result.ok, result.errors
    assert Municipality.objects.get(code="183").boundary is not None
