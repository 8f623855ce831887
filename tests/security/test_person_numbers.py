"""Issue 21, finding 2: a column headed as CPR is CPR whatever its cells look like, every person key is a
keyed hash, what was stored before is re-keyed, and PERSON_KEY_SECRET is required in production.

CPR numbers worked out by hand (formats.md §2, domain.md "Data protection"):
  120482 3349  → 120482-3349: born 12-04-1982 (7th digit 3: 1900s), last digit 9 odd: M
  170893/2211  → 170893-2211: born 17-08-1993 (2: 1900s), 1: M
  905913579    → 090591-3579 (Excel dropped the 0): born 09-05-1991 (3: 1900s), 9: M
  0101901234   → 010190-1234: born 01-01-1990 (1: 1900s), 4: K
  010203-1234  → born 01-02-1903 (1: 1900s), 4: K
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import Workbook

from common.persons import cpr_digits, cpr_person, person_id_key, person_rekey
from importers.checks import person_key_secret_check
from importers.models import ImportBatch, ImportChange
from importers.services import file_import
from reports.aggregates import aggregates_refresh
from reports.models import Charge, ChargeFact, ReportedOffence
from tests.importing import import_rejected
from tests.security.admin_export import admin_export

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "import"
# (cell as written, the CPR number it is, birth year, sex)
VARIANTS = [
    ("120482 3349", "120482-3349", 1982, "M"),
    ("170893/2211", "170893-2211", 1993, "M"),
    ("905913579", "090591-3579", 1991, "M"),
    ("0101901234", "010190-1234", 1990, "K"),
    ("010203-1234", "010203-1234", 1903, "K"),
]
JOURNALS = ["0400-70211-00001-16", "0400-70211-00002-16", "0400-70211-00003-16", "0400-70211-00004-16",
            "0400-70211-00005-16"]
RAW = {v for cell, dashed, _y, _s in VARIANTS for v in (cell, dashed, dashed.replace("-", ""))} | {"0905913579"}


def cpr_key(cpr: str) -> str:
    return cpr_person(cpr, secret=settings.PERSON_KEY_SECRET)[0]


def charges_csv(header: str = "CPR", cells=None) -> bytes:
    cells = cells or [cell for cell, *_rest in VARIANTS]
    lines = [f"Journalnummer;Forhold;{header};Sigtelsesdato;Bopælskommune"]
    lines += [f"{journal};1;{cell};12-03-2016;165" for journal, cell in zip(JOURNALS, cells, strict=False)]
    return ("\n".join(lines) + "\n").encode()


def charges_xlsx(cells: list) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Sigtelser"
    sheet.append(["Journalnummer", "Forhold", "CPR-nr.", "Sigtelsesdato", "Bopælskommune"])
    for journal, cell in zip(JOURNALS, cells, strict=False):
        sheet.append([journal, 1, cell, "12-03-2016", 165])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored_persons() -> dict[str, tuple]:
    return {c.journal_number: (c.person_key, c.birth_year, c.sex) for c in Charge.objects.all()}


def expected_persons(variants=VARIANTS) -> dict[str, tuple]:
    return {journal: (cpr_key(dashed), year, sex) for journal, (_cell, dashed, year, sex) in zip(JOURNALS, variants,
                                                                                                 strict=False)}


# --- a CPR column is CPR ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["CPR", "cpr", "CPR-nummer", "CPR-nr.", "CPR nr", "Personnummer", " PERSON NUMMER "])
def test_every_written_form_under_every_cpr_heading_is_hashed_as_cpr(reference, header):
    result = file_import(data=charges_csv(header), file_name="sigtelser.csv")
    assert result.ok, result.errors
    assert stored_persons() == expected_persons()
    assert not RAW & set(Charge.objects.values_list("person_key", flat=True))


def test_the_same_person_in_any_form_gets_one_key():
    forms = ["120482-3349", "1204823349", "120482 3349", "120482/3349", " 120482 / 3349 ", "1204823349.0"]
    assert {cpr_digits(f) for f in forms} == {"1204823349"}
    assert {cpr_person(f, secret="s")[0] for f in forms} == {cpr_person("120482-3349", secret="s")[0]}
    assert cpr_digits("905913579") == cpr_digits("905913579.0") == "0905913579"
    for wrong in ("12048-23349", "1204823", "12048233490", "12-04-82-3349", "١٢٠٤٨٢٣٣٤٩", "P-00017", ""):
        assert cpr_digits(wrong) is None, wrong


def test_xlsx_numeric_cells_lose_no_person(reference):
    # Excel keeps a CPR number typed as a number: 0905913579 becomes the number 905913579 (int or float)
    data = charges_xlsx([1204823349, "170893/2211", 905913579.0, 101901234, "010203-1234"])
    result = file_import(data=data, file_name="sigtelser.xlsx")
    assert result.ok, result.errors
    expected = expected_persons()
    expected[JOURNALS[3]] = (cpr_key("010190-1234"), 1990, "K")  # 101901234: the lost 0 restored
    assert stored_persons() == expected


def test_a_cell_that_is_no_cpr_number_is_a_masked_row_error(reference):
    cells = ["120482 3349", "P-00017", "12048 3349", "310299-1234", "abc"]
    result = import_rejected(charges_csv("CPR-nummer", cells), "sigtelser.csv")
    assert [(p.row, p.column, p.value) for p in result.errors] == [
        (3, "CPR", "*-*****"), (4, "CPR", "***** ****"), (5, "CPR", "******-****"), (6, "CPR", "***")]
    assert result.errors[2].reason == ("CPR-nummeret i række 5 kan ikke læses (******-****): indeholder ikke en "
                                       "gyldig fødselsdato")
    shown = json.dumps(result.batch.errors) + result.message
    for digits in ("12048", "3349", "310299", "1234", "00017"):
        assert digits not in shown


def test_combined_sheet_with_cpr_variants(reference):
    lines = ["Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;CPR;Køn"]
    lines += [f"{j};1;12-03-2016;73241;165;{cell};" for j, (cell, *_r) in zip(JOURNALS, VARIANTS, strict=True)]
    lines.append("0400-70211-00009-16;1;12-03-2016;73241;165;;")  # an offence nobody was charged for
    result = file_import(data=("\n".join(lines) + "\n").encode(), file_name="politi.csv")
    assert result.ok and result.kind == "police", result.errors
    assert ReportedOffence.objects.count() == 6
    assert stored_persons() == expected_persons()


def test_streamed_file_with_cpr_variants(reference, settings, tmp_path, monkeypatch):
    from importers.services import stream

    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    path = tmp_path / "sigtelser.csv"
    path.write_bytes(charges_csv("Personnummer"))
    result = file_import(path=path, file_name=path.name)
    assert result.ok, result.errors
    assert stored_persons() == expected_persons()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(charges_csv("CPR", ["120482 3349", "170893/2211", "12345"]))
    rejected = file_import(path=bad, file_name=bad.name)
    assert [(p.row, p.column, p.value) for p in rejected.errors] == [(4, "CPR", "*****")]


# --- person ids are keyed too ----------------------------------------------------------------------------------


def test_person_ids_are_stored_as_keyed_hashes_of_their_own_domain(reference):
    data = ("Journalnummer;Forhold;Løbenummer\n0400-1-16;1;P-00017\n0400-1-16;2;905913579\n"
            "0400-1-16;3;120482 3349\n").encode()
    assert file_import(data=data, file_name="sigtelser.csv").ok
    keys = dict(Charge.objects.values_list("forhold", "person_key"))
    assert keys[1] == person_id_key("P-00017", secret=settings.PERSON_KEY_SECRET)
    assert keys[2] == person_id_key("905913579", secret=settings.PERSON_KEY_SECRET)  # nine digits: an id here
    assert keys[3] == cpr_key("120482-3349")  # a person id in a CPR number's ten-digit form is one
    assert keys[1].startswith("pid:") and len(keys[1]) == 44
    # an id never gets a CPR number's key, even when it is the same digits
    assert person_id_key("0101901234", secret="s") != cpr_person("0101901234", secret="s")[0]
    assert person_id_key("P-1", secret="s") != person_id_key("P-1", secret="t")
    assert person_id_key("P-1", secret="s") == person_id_key(" P-1 ", secret="s")


# --- the migration re-keys what is stored ----------------------------------------------------------------------


def _rekey_migration():
    return importlib.import_module("reports.migrations.0007_person_key_rekey")


def _migrate_person_keys():
    from django.apps import apps

    _rekey_migration()._rekey(apps, SimpleNamespace(connection=connection))


def test_migration_rekeys_stored_values_and_the_same_file_then_matches_them(reference, import_data):
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    offences = {o.journal_number: o for o in ReportedOffence.objects.filter(forhold=1)}
    # as the importer stored them before: a CPR column none of whose cells matched ddmmåå-?xxxx was kept as it
    # was, and police ids were kept as they were
    for journal, (cell, *_rest) in zip(JOURNALS[:3], VARIANTS[:3], strict=True):
        Charge.objects.create(journal_number=journal, forhold=1, person_key=cell, offence=offences.get(journal))
    Charge.objects.create(journal_number=JOURNALS[0], forhold=2, person_key="P-00017")
    already = Charge.objects.create(journal_number=JOURNALS[3], forhold=1, person_key=cpr_key("010190-1234"))
    aggregates_refresh(municipality_ids=[reference["165"].pk])
    assert ChargeFact.objects.filter(person_key="120482 3349").exists()
    batch = ImportBatch.objects.create(kind="charges", status="done", errors=[
        {"row": 3, "column": "Journalnummer/Forhold/Person", "value": f"{JOURNALS[0]} / 1 / 120482 3349",
         "reason": "Samme nøgle står allerede i række 2", "severity": "error"}])
    ImportChange.objects.create(batch=batch, model="reports.charge", object_id=1, action="deleted",
                                previous={"journal_number": JOURNALS[0], "person_key": "170893/2211"})

    _migrate_person_keys()

    secret = settings.PERSON_KEY_SECRET
    keys = dict(Charge.objects.values_list("pk", "person_key"))
    assert sorted(keys.values()) == sorted([cpr_key("120482-3349"), cpr_key("170893-2211"), cpr_key("090591-3579"),
                                            person_id_key("P-00017", secret=secret), cpr_key("010190-1234")])
    assert keys[already.pk] == cpr_key("010190-1234")  # a key already hashed is kept
    assert set(ChargeFact.objects.values_list("person_key", flat=True)) <= set(keys.values())
    assert ChargeFact.objects.filter(person_key=cpr_key("120482-3349")).exists()
    assert ImportChange.objects.get(batch=batch).previous["person_key"] == cpr_key("170893-2211")
    assert ImportBatch.objects.get(pk=batch.pk).errors[0]["value"] == f"{JOURNALS[0]} / 1 / ****** ****"
    _migrate_person_keys()  # running it twice changes nothing
    assert dict(Charge.objects.values_list("pk", "person_key")) == keys

    # the same file imported now finds the same rows: nothing is created
    again = file_import(data=charges_csv("CPR", [c for c, *_r in VARIANTS[:3]]), file_name="sigtelser.csv")
    assert again.ok and (again.rows_created, again.rows_updated) == (0, 3)  # birth year and sex now derived
    ids = file_import(data=f"Journalnummer;Forhold;Person-ID\n{JOURNALS[0]};2;P-00017\n".encode(), file_name="p.csv")
    assert ids.ok and ids.rows_created == 0
    assert Charge.objects.count() == 5


def test_migration_keeps_one_charge_when_two_spellings_meet(reference):
    Charge.objects.create(journal_number="J-1", forhold=1, person_key="120482 3349")
    Charge.objects.create(journal_number="J-1", forhold=1, person_key="120482/3349")
    Charge.objects.create(journal_number="J-2", forhold=1, person_key=cpr_key("170893-2211"))
    Charge.objects.create(journal_number="J-2", forhold=1, person_key="170893 2211")
    _migrate_person_keys()
    assert sorted(Charge.objects.values_list("journal_number", "person_key")) == [
        ("J-1", cpr_key("120482-3349")), ("J-2", cpr_key("170893-2211"))]


def test_rekey_of_stored_values():
    assert person_rekey("905913579", secret="s") == cpr_person("090591-3579", secret="s")[0]
    assert person_rekey("P-7", secret="s") == person_id_key("P-7", secret="s")
    assert person_rekey("999999999", secret="s") == person_id_key("999999999", secret="s")  # no valid date
    hashed = cpr_person("010190-1234", secret="s")[0]
    assert person_rekey(hashed, secret="s") == hashed


# --- nothing raw anywhere --------------------------------------------------------------------------------------


def database_dump() -> list[str]:
    """Every value of every column of every table, as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    elif isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    values.append(str(value))
    return values


def test_no_column_of_any_table_holds_a_raw_cpr_number(reference, settings, tmp_path, monkeypatch):
    from importers.services import stream

    cells = [cell for cell, *_rest in VARIANTS]
    assert file_import(data=charges_csv("CPR", cells), file_name="cpr.csv").ok
    xlsx = file_import(data=charges_xlsx([1204823349, "170893/2211", 905913579.0, 101901234, "010203-1234"]),
                       file_name="cpr.xlsx")
    assert xlsx.ok and xlsx.rows_created == 0  # the same persons
    lines = ["Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Personnummer"]
    lines += [f"0400-70211-0010{i}-16;1;12-03-2016;73241;165;{cell}" for i, cell in enumerate(cells)]
    assert file_import(data=("\n".join(lines) + "\n").encode(), file_name="politi.csv").ok
    rejected = file_import(data=charges_csv("CPR", [*cells[:4], "0101901234x"]), file_name="bad.csv")
    assert not rejected.ok
    duplicated = file_import(data=charges_csv("CPR", ["120482 3349", "120482/3349"]).replace(
        JOURNALS[1].encode(), JOURNALS[0].encode()), file_name="dup.csv")
    assert not duplicated.ok
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    path = tmp_path / "stream.csv"
    path.write_bytes(charges_csv("CPR-nummer", cells).replace(b"0400-70211-0000", b"0400-70211-0020"))
    assert file_import(path=path, file_name=path.name).ok
    assert Charge.objects.count() == 15 and ChargeFact.objects.count() > 0

    values = database_dump()
    digits = {v.replace("-", "").replace(" ", "").replace("/", "") for v in RAW}
    for value in values:
        assert value not in RAW | digits
        for raw in digits | {"120482 3349", "170893/2211", "905913579", "0905913579"}:
            assert raw not in value, (raw, value[:200])


def test_the_admin_charge_export_holds_no_raw_person_number(reference, client, django_user_model):
    cells = [cell for cell, *_rest in VARIANTS]
    assert file_import(data=charges_csv("CPR", cells), file_name="cpr.csv").ok
    assert file_import(data=b"Journalnummer;Forhold;Person-ID\n0400-1-16;1;P-00017\n", file_name="p.csv").ok
    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    for fmt in ("csv", "xlsx"):
        content = admin_export(client, "/admin/reports/charge/", fmt)
        text = content.decode("utf-8", errors="replace") if fmt == "csv" else _xlsx_text(content)
        assert cpr_key("120482-3349") in text  # the export has the keys …
        for raw in [*cells, "1204823349", "0905913579", "P-00017"]:
            assert raw not in text  # … and nothing they were made of


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)


# --- PERSON_KEY_SECRET ----------------------------------------------------------------------------------------


def test_person_key_secret_is_required_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "s" * 50
    settings.PERSON_KEY_SECRET = ""
    assert [e.id for e in person_key_secret_check()] == ["importers.E001"]
    settings.PERSON_KEY_SECRET = settings.SECRET_KEY
    assert [e.id for e in person_key_secret_check()] == ["importers.E002"]
    settings.PERSON_KEY_SECRET = "p" * 50
    assert person_key_secret_check() == []
    settings.DEBUG, settings.PERSON_KEY_SECRET = True, ""
    assert person_key_secret_check() == []  # development and the demo may fall back


def test_check_deploy_fails_without_person_key_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PERSON_KEY_SECRET"}
    env.update({"DEBUG": "false", "SECRET_KEY": "k" * 20 + "Zq9!x2#Lm4$Vb7%Nc1^Hj6&Pd3*Rt8(Wy5)",
                "ALLOWED_HOSTS": "dashboard.example.dk", "DKE_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "importers.E001" in result.stdout + result.stderr
    env["PERSON_KEY_SECRET"] = env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "importers.E002" in result.stdout + result.stderr


def test_no_silent_fallback_charges_are_refused_without_a_secret(reference, settings):
    settings.PERSON_KEY_SECRET = ""
    result = import_rejected(charges_csv(), "sigtelser.csv")
    assert "PERSON_KEY_SECRET er ikke sat" in result.message
