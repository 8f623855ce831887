"""Statistics Denmark tables as users download them: the full STRAF11 table in its three delivery forms
(website CSV without title, damaged by a re-save; API CSV; PC-Axis), the real files, and the comparison
export computed from them.

The STRAF11 file below is built the way statbank.dk writes a download of "all areas" with one offence
group selected: no title line, a blank label header, the OVERTRÆD column blank, the whole country, the five
regions, the 98 municipalities with Christiansø after Bornholm and "uoplyst" (998). Then it is re-saved with
the wrong encoding, so that æ/ø/å became U+FFFD.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from comparisons.models import DstValue
from districts.models import PopulationCount
from importers.models import ImportBatch
from importers.services import batch_rollback, file_import

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data" / "dst"
FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "dst"
QUARTERS = ["2016K1", "2016K2", "2016K3", "2016K4"]
REGIONS = [("081", "Region Nordjylland"), ("082", "Region Midtjylland"), ("083", "Region Syddanmark"),
           ("084", "Region Hovedstaden"), ("085", "Region Sjælland")]
# The five areas of the export, with their own numbers in the file (reports per quarter of 2016)
FIVE = {"101": [9110, 8850, 9320, 9080], "165": [410, 395, 402, 388], "169": [702, 688, 731, 695],
        "183": [301, 296, 318, 285], "187": [204, 190, 212, 199]}


def municipalities() -> list[tuple[str, str]]:
    with (Path(settings.BASE_DIR) / "fixtures" / "municipalities.csv").open(encoding="utf-8") as handle:
        return [(r["Kommunekode"], r["Kommune"]) for r in csv.DictReader(handle, delimiter=";")]


def straf11_areas() -> list[tuple[str, str, list[int]]]:
    """(code, name, reports per quarter) in DST's order: country, regions, municipalities, Christiansø, 998."""
    rows = []
    for i, (code, name) in enumerate(municipalities()):
        rows.append((code, name, FIVE.get(code, [100 + 3 * i + q for q in range(4)])))
        if code == "400":
            rows.append(("411", "Christiansø", [1, 0, 2, 0]))
    rows.append(("998", "Uoplyst kommune", [50, 40, 45, 41]))
    country = [sum(r[2][q] for r in rows) for q in range(4)]
    regions = [(code, name, [5000 + 10 * k + q for q in range(4)]) for k, (code, name) in enumerate(REGIONS)]
    return [("000", "Hele landet", country), *regions, *rows]


def damaged(text: str) -> str:
    """A Windows-1252 file opened as UTF-8 and saved again: every æ, ø, å became U+FFFD."""
    return "".join("\ufffd" if c in "æøåÆØÅ" else c for c in text)


def website_csv() -> bytes:
    lines = ['" "," ",' + ",".join(f'"{q}"' for q in QUARTERS)]
    lines += [f'" ","{name}",' + ",".join(str(v) for v in values) for _c, name, values in straf11_areas()]
    return damaged("\r\n".join(lines) + "\r\n").encode("utf-8")


def api_csv() -> bytes:
    lines = ["OMRÅDE;OVERTRÆD;TID;INDHOLD"]
    lines += [f"{code} {name};TOT Overtrædelser i alt;{q};{v}" for code, name, values in straf11_areas()
              for q, v in zip(QUARTERS, values, strict=True)]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def pc_axis() -> bytes:
    areas = straf11_areas()
    quoted = lambda items: ",".join(f'"{i}"' for i in items)  # noqa: E731
    head = [
        'CHARSET="ANSI";', 'AXIS-VERSION="2010";', 'CODEPAGE="iso-8859-1";', 'LANGUAGE="da";', 'MATRIX="STRAF11";',
        'DECIMALS=0;', 'TITLE="Anmeldte forbrydelser efter område, overtrædelsens art og tid";',
        'STUB="område","overtrædelsens art";', 'HEADING="tid";',
        f'VALUES("område")={quoted(name for _c, name, _v in areas)};',
        f'CODES("område")={quoted(code for code, _n, _v in areas)};',
        'VALUES("overtrædelsens art")="Overtrædelser i alt";', 'CODES("overtrædelsens art")="TOT";',
        f'VALUES("tid")={quoted(QUARTERS)};', "DATA=",
    ]
    data = [" ".join(str(v) for v in values) for _c, _n, values in areas]
    return ("\n".join(head + data) + ";\n").encode("iso-8859-1")


def stored() -> set[tuple]:
    return set(DstValue.objects.values_list("table", "area_code", "dims", "period", "value"))


def population_load():
    result = file_import(data=(FIXTURES / "folketal_kvartal_kommuner_2008K1-2022K3.csv").read_bytes(),
                         file_name="folketal_kvartal_kommuner_2008K1-2022K3.csv")
    assert result.ok, result.errors
    return result


def test_full_straf11_website_download_loads_with_the_tables_own_variable(reference):
    data = website_csv()
    assert "K\ufffdbenhavn" in data.decode() and "Christians\ufffd" in data.decode()
    refused = file_import(data=data, file_name="straf11.csv", kind="dst", options={"dst_table": "STRAF11"})
    assert not refused.ok
    assert "variablen OVERTRÆD" in refused.message and "--dst-fixed OVERTRÆD=TOT" in refused.message
    assert "VAR0" not in refused.message
    result = file_import(data=data, file_name="straf11.csv", kind="dst",
                         options={"dst_table": "STRAF11", "dst_fixed": {"OVERTRÆD": "TOT"}})
    assert result.ok, result.errors
    assert any("ødelagt" in w and "Christians\ufffd" in w for w in result.warnings)
    assert "Christiansø (411) er ikke en kommune; 1 række med området er sprunget over." in result.warnings
    assert any(w.startswith("Uoplyst kommune (998) er ikke en kommune") for w in result.warnings)
    # the country, the regions and the 98 municipalities, each with its four quarters, under DST's codes
    areas = set(DstValue.objects.values_list("area_code", flat=True))
    assert len(areas) == 1 + 5 + 98 and {"000", "081", "085", "101", "851"} <= areas and "411" not in areas
    assert set(DstValue.objects.values_list("dims", flat=True)) == {"OVERTRÆD=TOT"}
    assert DstValue.objects.get(area_code="101", period="2016K3").value == 9320
    assert DstValue.objects.get(area_code="101", period="2016K3").area_name == "København"  # not K�benhavn


def test_the_three_delivery_forms_store_the_same_rows(reference):
    forms = {
        "straf11.csv": (website_csv(), {"dst_table": "STRAF11", "dst_fixed": {"OVERTRÆD": "TOT"}}),
        "STRAF11_api.csv": (api_csv(), {}),
        "straf11.px": (pc_axis(), {}),
    }
    results = {}
    for name, (data, options) in forms.items():
        result = file_import(data=data, file_name=name, kind="dst", options=options)
        assert result.ok, (name, result.errors)
        assert any("Christiansø (411)" in w for w in result.warnings), name
        results[name] = stored()
        assert batch_rollback(batch=result.batch).ok and not DstValue.objects.exists()
    web, api, px = results.values()
    assert web == api == px
    assert len(web) == (1 + 5 + 98) * 4
    assert ("STRAF11", "165", "OVERTRÆD=TOT", "2016K2", 395) in web


@pytest.mark.parametrize("form", ["web", "api", "px"])
def test_export_figure_municipality_comparison_from_the_full_download(reference, form, capsys):
    data, name, options = {
        "web": (website_csv(), "straf11.csv", {"dst_table": "STRAF11", "dst_fixed": {"OVERTRÆD": "TOT"}}),
        "api": (api_csv(), "STRAF11_api.csv", {}),
        "px": (pc_axis(), "straf11.px", {}),
    }[form]
    assert file_import(data=data, file_name=name, kind="dst", options=options).ok
    population_load()
    call_command("export_figure", "municipality-comparison", "--municipality", "165", "--period", "2016",
                 "--peers", "101,169,183,187", "--categories", "TOT", "--format", "json")
    rows = {r["municipality_code"]: r for r in json.loads(capsys.readouterr().out)}
    assert list(rows) == ["165", "101", "169", "183", "187"]
    # reports: the file's four quarters of 2016; population: FOLK1A 2016K3 (1 July, the year's midpoint)
    expected = {
        "165": (410 + 395 + 402 + 388, 27792), "101": (9110 + 8850 + 9320 + 9080, 594535),
        "169": (702 + 688 + 731 + 695, 50139), "183": (301 + 296 + 318 + 285, 22536),
        "187": (204 + 190 + 212 + 199, 15556),
    }
    for code, (reports, population) in expected.items():
        row = rows[code]
        assert (row["period"], row["category"]) == ("2016", "TOT")
        assert row["reports"] == reports and row["population"] == population
        assert row["reports_per_1000"] == pytest.approx(reports / population * 1000)
    assert rows["165"]["reports"] == 1595 and rows["165"]["reports_per_1000"] == pytest.approx(57.3906, abs=1e-4)
    assert rows["101"]["reports_per_1000"] == pytest.approx(61.1570, abs=1e-4)


# --- the real Statistics Denmark files (copied into the repository) ----------------------------------------


def test_real_quarterly_population_file_through_import_file(reference, capsys):
    call_command("import_file", str(FIXTURES / "folketal_kvartal_kommuner_2008K1-2022K3.csv"))
    out = capsys.readouterr().out
    assert "Christiansø (411) er ikke en kommune; 59 rækker med området er sprunget over." in out
    assert DstValue.objects.get(table="FOLK1A", area_code="165", dims="", period="2016K3").value == 27792
    assert not DstValue.objects.filter(area_code="411").exists()
    assert PopulationCount.objects.get(municipality__code="165", district__isnull=True, date="2016-07-01",
                                       sex="", age_from=0, age_to=125).count == 27792


def test_real_yearly_population_website_file_through_import_file(reference, capsys):
    call_command("import_file", str(DATA / "befolkning_kommuner_statbank_web.csv"))
    out = capsys.readouterr().out
    assert "Christiansø (411) er ikke en kommune" in out
    men = "BEVÆGELSE=Befolkningen ultimo indeværende år|KØN=1"
    assert DstValue.objects.get(table="BEV22", area_code="165", dims=men, period="2016").value == 13900
    assert not DstValue.objects.filter(area_code="411").exists()


def upload(client, name, data, **fields):
    return client.post("/import/", {"file": SimpleUploadedFile(name, data), "kind": "auto", **fields})


@pytest.mark.parametrize(("path", "table", "area", "dims", "period", "expected"), [
    (FIXTURES / "folketal_kvartal_kommuner_2008K1-2022K3.csv", "FOLK1A", "165", "", "2016K3", 27792),
    (DATA / "befolkning_kommuner_statbank_web.csv", "BEV22", "101",
     "BEVÆGELSE=Befolkningen ultimo indeværende år|KØN=1", "2006", 248190),
], ids=["folk1a", "bev22"])
def test_real_files_through_the_web_upload(system_analyst, path, table, area, dims, period, expected):
    analyst = system_analyst  # a file of all areas is shared data: Systemansvarlig loads it (issue 21)
    upload(analyst, path.name, path.read_bytes())
    batch = ImportBatch.objects.get()
    page = analyst.get(f"/import/{batch.pk}/").content.decode()
    assert batch.status == "preview", batch.errors if hasattr(batch, "errors") else page
    assert "Christiansø (411) er ikke en kommune" in page
    analyst.post(f"/import/{batch.pk}/godkend/")
    batch.refresh_from_db()
    assert batch.status == "done"
    assert DstValue.objects.get(table=table, area_code=area, dims=dims, period=period).value == expected


def test_full_straf11_download_through_the_web_upload_with_table_and_fixed_value_chosen(system_analyst):
    analyst = system_analyst  # a file of all areas is shared data: Systemansvarlig loads it (issue 21)
    upload(analyst, "straf11.csv", website_csv(), kind="dst", dst_table="STRAF11", dst_fixed=["OVERTRÆD=TOT"])
    batch = ImportBatch.objects.get()
    assert batch.status == "preview"
    analyst.post(f"/import/{batch.pk}/godkend/")
    assert DstValue.objects.get(area_code="165", dims="OVERTRÆD=TOT", period="2016K1").value == 410


def test_an_unknown_area_is_still_a_row_error(reference):
    data = api_csv().decode("utf-8-sig").replace("187 Vallensbæk", "997 Atlantis").encode("utf-8")
    result = file_import(data=data, file_name="STRAF11_api.csv", kind="dst")
    assert not result.ok
    assert {(p.column, p.value) for p in result.errors} == {("OMRÅDE", "997 Atlantis")}
    assert not DstValue.objects.exists()


def test_the_upload_form_offers_dst_tables_and_fixed_values_as_choices(analyst):
    page = analyst.get("/import/").content.decode()
    assert '<option value="STRAF11">' in page and '<option value="OVERTRÆD=TOT">' in page
    assert "Overtrædelser i alt" in page


def test_website_csv_label_of_an_offence_is_stored_under_its_code(reference):
    text = io.StringIO()
    text.write('" "," ","2016K1"\n"Albertslund","Indbrud i beboelser",30\n"Albertslund","Simpel vold",12\n')
    result = file_import(data=text.getvalue().encode("cp1252"), file_name="x.csv", kind="dst",
                         options={"dst_table": "STRAF11"})
    assert result.ok, result.errors
    assert set(DstValue.objects.values_list("dims", "value")) == {("OVERTRÆD=1320", 30), ("OVERTRÆD=1252", 12)}


@pytest.mark.parametrize("via", ["import_file", "upload"])
def test_the_real_komgrp_classification_loads_the_municipality_groups(system_analyst, via):
    """The fourth real DST file is a classification, not a table of numbers: it sets each municipality's group
    (formerly refused and sent to load_reference; issue 22 asks that every real file loads)."""
    from districts.models import Municipality

    Municipality.objects.update(group_code="", group_name="")
    path = FIXTURES / "komgrp_kommunegrupper.csv"
    if via == "import_file":
        call_command("import_file", str(path))
    else:
        upload(system_analyst, path.name, path.read_bytes())
        system_analyst.post(f"/import/{ImportBatch.objects.get().pk}/godkend/")
    assert ImportBatch.objects.get().get_kind_display() == "kommunegrupper (KOMGRP)"
    assert Municipality.objects.get(code="165").group_name == "Hovedstadskommuner"
    assert Municipality.objects.get(code="751").group_name == "Storbykommuner"  # Aarhus


@pytest.mark.parametrize("via", ["import_file", "upload"])
def test_the_real_municipality_boundaries_load(system_analyst, via):
    from shapely.geometry import Point, shape

    from districts.models import Municipality

    Municipality.objects.update(boundary=None)
    path = DATA / "kommunegraenser.geojson"
    if via == "import_file":
        call_command("import_file", str(path))
    else:
        upload(system_analyst, path.name, path.read_bytes())
        system_analyst.post(f"/import/{ImportBatch.objects.get().pk}/godkend/")
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status, batch.rows_updated) == ("mun_bounds", "done", 98)
    assert "Christiansø (411)" in batch.warnings[0]
    assert shape(Municipality.objects.get(code="101").boundary).contains(Point(12.57, 55.68))
    assert shape(Municipality.objects.get(code="400").boundary).contains(Point(14.9, 55.1))  # Bornholm