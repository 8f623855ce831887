"""Issue 21, finding 1: an import is authorised by what its rows write, not by the upload form's field.

Albertslund (165) has an analyst; Brøndby (153) has 45 offences in January 2023 (one of them the
issue's 0400-70000-46431-23/1, code 73241) and an analyst of its own.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from districts.models import District, PopulationCount, StreetRange
from importers.models import ImportBatch
from importers.services import batch_rollback, file_import, stream
from reports.models import ActivityFigure, CategoryRule, Charge, ReportedOffence
from tests.importing import import_rejected

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "data"
HEADER = "Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Gerningssted\n"
# the exact file of the issue
ISSUE_FILE = (HEADER + "0400-70000-46431-23;1;01-01-2023;99999;153;Forfalsket 1\n").encode()
JANUARY = ("2023-01-01", "2023-01-31")
BROENDBY_KEY = ("0400-70000-46431-23", 1)


def offences_csv(rows) -> bytes:
    return (HEADER + "".join(f"{j};{f};{day};{code};{muni};{place}\n" for j, f, day, code, muni, place in rows)).encode()


@pytest.fixture
def towns(reference):
    District.objects.create(municipality=reference["153"], name="Centrum", slug="centrum", order=0)
    # Brøndby: 45 offences in January 2023, loaded from the command line (no user)
    rows = [(f"0400-70000-{46431 + i:05d}-23", 1, f"{1 + i % 31:02d}-01-2023", "73241", "153", f"Vej {i}")
            for i in range(45)]
    assert file_import(data=offences_csv(rows), file_name="broendby.csv").ok
    # Albertslund: two offences in January 2023
    rows = [(f"0400-70211-{i:05d}-23", 1, "10-01-2023", "75110", "165", "Bybuen 2") for i in (1, 2)]
    assert file_import(data=offences_csv(rows), file_name="albertslund.csv").ok
    return reference


@pytest.fixture
def users(towns, member, django_user_model):
    system = django_user_model.objects.create_user("system", password="x-kode-1234")
    system.groups.add(Group.objects.get(name="Systemansvarlig"))
    return {
        "albertslund": member("Analytiker", towns["165"], "analytiker"),
        "broendby": member("Analytiker", towns["153"], "broendby"),
        "system": system,
        "super": django_user_model.objects.create_superuser("chef", password="x-kode-1234"),
    }


def broendby_offences():
    return sorted(ReportedOffence.objects.filter(municipality__code="153").values_list("journal_number", "forhold",
                                                                                       "code"))


def upload(client, name, data, **fields):
    return client.post("/import/", {"file": SimpleUploadedFile(name, data), "kind": "auto", **fields})


def refused_rows(result):
    return [(p.row, p.column, p.value) for p in result.errors]


# --- the issue's example -------------------------------------------------------------------------------

def test_the_issue_file_with_replace_period_is_refused_and_broendby_keeps_its_offences(towns, users):
    before = broendby_offences()
    assert len(before) == 45 and ("0400-70000-46431-23", 1, "73241") in before
    result = import_rejected(ISSUE_FILE, "forfalsket.csv", user=users["albertslund"], municipality=towns["165"],
                             options={"replace_period": JANUARY})
    assert refused_rows(result) == [(2, "Journalnummer/Forhold", "0400-70000-46431-23 / 1"), (2, "Kommunekode", "153")]  # by row, then column
    stored, named = result.errors  # the stored offence's municipality, the file's Kommunekode
    assert "Brøndby (153)" in named.reason and "forfalsket.csv" in named.reason
    assert "Albertslund (165)" in named.reason  # what the analyst may write
    assert "gemt under Brøndby (153)" in stored.reason
    assert broendby_offences() == before
    assert ReportedOffence.objects.filter(municipality__code="165").count() == 2


def test_the_issue_file_through_the_web_upload_is_refused(towns, users, client, settings, tmp_path):
    settings.IMPORT_RUN_INLINE, settings.MEDIA_ROOT = True, tmp_path
    client.force_login(users["albertslund"])
    before = broendby_offences()
    response = upload(client, "forfalsket.csv", ISSUE_FILE, municipality=towns["165"].pk,
                      replace_from="2023-01-01", replace_to="2023-01-31")
    batch = ImportBatch.objects.get(file_name="forfalsket.csv")
    assert response.status_code == 302 and batch.status == "rejected"
    page = client.get(f"/import/{batch.pk}/").content.decode()
    assert "Du har ikke skriveadgang til Brøndby (153)" in page and "Godkend og indlæs" not in page
    client.post(f"/import/{batch.pk}/godkend/")
    batch.refresh_from_db()
    assert batch.status == "rejected" and broendby_offences() == before


def test_the_issue_file_streamed_is_refused(towns, users, settings, monkeypatch, tmp_path):
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    path = tmp_path / "forfalsket.csv"
    path.write_bytes(ISSUE_FILE)
    before = broendby_offences()
    result = import_rejected(None, "forfalsket.csv", path=path, user=users["albertslund"],
                             municipality=towns["165"], options={"replace_period": JANUARY})
    assert refused_rows(result) == [(2, "Journalnummer/Forhold", "0400-70000-46431-23 / 1"), (2, "Kommunekode", "153")]  # by row, then column
    assert broendby_offences() == before


# --- offences -----------------------------------------------------------------------------------------

def test_an_offence_of_another_municipality_cannot_be_moved_into_ones_own(towns, users, settings, tmp_path):
    """Naming one's own municipality does not help: the key is global, the stored offence is Brøndby's."""
    data = offences_csv([("0400-70000-46431-23", 1, "01-01-2023", "75110", "165", "Bybuen 2")])
    result = import_rejected(data, "flyt.csv", user=users["albertslund"], municipality=towns["165"])
    assert refused_rows(result) == [(2, "Journalnummer/Forhold", "0400-70000-46431-23 / 1")]
    settings.IMPORT_STREAM_BYTES = 0
    (tmp_path / "flyt.csv").write_bytes(data)
    assert refused_rows(import_rejected(None, "flyt.csv", path=tmp_path / "flyt.csv", user=users["albertslund"],
                                        municipality=towns["165"])) == refused_rows(result)


def test_a_mixed_file_is_refused_whole(towns, users):
    """One foreign row among good ones: nothing at all is written (all or nothing)."""
    data = offences_csv([("0400-70211-00009-23", 1, "11-01-2023", "75110", "165", "Bybuen 9"),
                         ("0400-70211-00010-23", 1, "12-01-2023", "75110", "153", "Bybuen 10")])
    result = import_rejected(data, "blandet.csv", user=users["albertslund"])
    assert refused_rows(result) == [(3, "Kommunekode", "153")]


def test_replace_period_acts_only_inside_the_users_municipalities(towns, users):
    data = offences_csv([("0400-70211-00003-23", 1, "15-01-2023", "75110", "165", "Bybuen 3")])
    result = file_import(data=data, file_name="januar.csv", user=users["albertslund"], municipality=towns["165"],
                         options={"replace_period": JANUARY})
    assert result.ok, result.errors
    assert (result.rows_created, result.rows_removed) == (1, 2)  # Albertslund's two January offences went
    assert len(broendby_offences()) == 45
    assert sorted(ReportedOffence.objects.filter(municipality__code="165").values_list("journal_number", flat=True)) \
        == ["0400-70211-00003-23"]


def test_a_default_municipality_the_user_may_not_write_is_refused(towns, users):
    result = import_rejected(offences_csv([]), "tom.csv", user=users["albertslund"], municipality=towns["153"],
                             options={"replace_period": JANUARY})
    assert "Du har ikke skriveadgang til Brøndby (153)" in result.message
    assert len(broendby_offences()) == 45


def test_broendbys_analyst_and_a_superuser_may_write_broendby(towns, users):
    assert file_import(data=ISSUE_FILE, file_name="rettelse.csv", user=users["broendby"], municipality=towns["153"]).ok
    assert ReportedOffence.objects.get(journal_number=BROENDBY_KEY[0], forhold=1).code == "99999"
    data = offences_csv([("0400-70000-46431-23", 1, "01-01-2023", "73241", "153", "Vej 0")])
    assert file_import(data=data, file_name="tilbage.csv", user=users["super"]).ok
    assert ReportedOffence.objects.get(journal_number=BROENDBY_KEY[0], forhold=1).code == "73241"


# --- charges ------------------------------------------------------------------------------------------

CHARGES = "Journalnummer;Forhold;Person-ID;Fødselsår;Køn;Bopælskommune\n"


def test_a_charge_on_another_municipalitys_offence_is_refused(towns, users):
    data = (CHARGES + "0400-70211-00001-23;1;P-1;1990;M;165\n0400-70000-46431-23;1;P-2;1991;K;165\n").encode()
    result = import_rejected(data, "sigtelser.csv", user=users["albertslund"])
    assert refused_rows(result) == [(3, "Journalnummer/Forhold", "0400-70000-46431-23 / 1")]
    assert "Sigtelsen hører til en anmeldelse i Brøndby (153)" in result.errors[0].reason


def test_a_charge_on_another_municipalitys_offence_is_refused_when_streamed(towns, users, settings, monkeypatch,
                                                                           tmp_path):
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 1)
    data = (CHARGES + "0400-70211-00001-23;1;P-1;1990;M;165\n0400-70000-46431-23;1;P-2;1991;K;165\n").encode()
    (tmp_path / "sigtelser.csv").write_bytes(data)
    result = import_rejected(None, "sigtelser.csv", path=tmp_path / "sigtelser.csv", user=users["albertslund"])
    assert refused_rows(result) == [(3, "Journalnummer/Forhold", "0400-70000-46431-23 / 1")]


def test_a_combined_sheet_naming_another_municipality_is_refused(towns, users):
    data = ("Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Person-ID;Fødselsår\n"
            "0400-70211-00050-23;1;05-01-2023;84110;153;P-9;1999\n").encode()
    result = import_rejected(data, "kombineret.csv", user=users["albertslund"])
    assert refused_rows(result) == [(2, "Kommunekode", "153")]


def test_a_waiting_charge_is_linked_only_to_an_offence_its_importer_may_write(towns, users):
    """The rule for a charge whose offence has not arrived: it is stored as waiting (it counts nowhere), and
    linked when the offence comes only if the analyst who imported it may write the offence's municipality."""
    data = (CHARGES + "0400-70000-99998-23;1;P-1;1990;M;165\n0400-70211-99999-23;1;P-2;1991;K;165\n").encode()
    assert file_import(data=data, file_name="ventende.csv", user=users["albertslund"]).ok
    assert Charge.objects.filter(offence=None).count() == 2
    offences = offences_csv([("0400-70000-99998-23", 1, "20-01-2023", "73241", "153", "Vej 98"),
                             ("0400-70211-99999-23", 1, "20-01-2023", "73241", "165", "Bybuen 99")])
    assert file_import(data=offences, file_name="senere.csv", user=users["super"]).ok
    linked = dict(Charge.objects.values_list("person_key", "offence__municipality__code"))
    assert sorted(linked.values(), key=str) == ["165", None]  # Brøndby's offence did not get Albertslund's charge
    assert Charge.objects.get(offence=None).journal_number == "0400-70000-99998-23"


# --- reference data owned by a municipality -----------------------------------------------------------------

def test_population_of_another_municipality_is_refused(towns, users):
    data = "Kommunekode;Bydel;Dato;Antal\n165;Vester;01-01-2023;8750\n153;Centrum;01-01-2023;5000\n".encode()
    result = import_rejected(data, "befolkning.csv", user=users["albertslund"])
    assert refused_rows(result) == [(3, "Kommunekode", "153")]
    assert file_import(data=data, file_name="befolkning.csv", user=users["super"]).ok
    assert PopulationCount.objects.filter(municipality__code="153").count() == 1


def test_streets_of_another_municipality_are_refused(towns, users):
    data = ("Kommunekode;Vejnavn;Husnr fra;Husnr til;Side;Postnr;Bydel\n"
            "153;Brøndby Allé;1;99;begge;2605;Centrum\n").encode()
    before = StreetRange.objects.count()
    result = import_rejected(data, "vejtabel.csv", user=users["albertslund"])
    assert refused_rows(result) == [(2, "Kommunekode", "153")]
    assert StreetRange.objects.count() == before
    assert file_import(data=data, file_name="vejtabel.csv", user=users["broendby"]).ok


def test_activity_figures_of_another_municipality_are_refused(towns, users):
    data = "Kommunekode;Nøgletal;Periode;Værdi\n153;Niveau 1-sager;2023H1;42\n".encode()
    result = import_rejected(data, "noegletal.csv", user=users["albertslund"])
    assert refused_rows(result) == [(2, "Kommunekode", "153")]
    assert "Brøndby (153)" in result.errors[0].reason
    assert not ActivityFigure.objects.exists()
    own = "Kommunekode;Nøgletal;Periode;Værdi\n165;Niveau 1-sager;2023H1;42\n".encode()
    assert file_import(data=own, file_name="egne.csv", user=users["albertslund"]).ok


def test_dst_figures_of_other_municipalities_are_refused(towns, users):
    data = (DATA / "dst" / "straf11_web.csv").read_bytes()  # Albertslund and Vallensbæk
    result = import_rejected(data, "straf11_web.csv", user=users["albertslund"])
    assert {(p.column, p.value) for p in result.errors} == {("OMRÅDE", "187")}
    assert "Vallensbæk (187)" in result.errors[0].reason


# --- shared reference data ---------------------------------------------------------------------------

CATEGORIES = "Kategori;Kode;Kilde;Navn;Udelad\nvold;99999;politi;Vold;N\n".encode()


def test_an_analyst_may_not_change_categories_or_code_rules(towns, users, client, settings, tmp_path):
    result = import_rejected(CATEGORIES, "gerningstyper.csv", user=users["albertslund"])
    assert result.message == ("Gerningstyper og koderegler er fælles for alle kommuner og kan kun ændres af en "
                              "systemansvarlig eller en superbruger; filen gerningstyper.csv er ikke indlæst.")
    settings.IMPORT_RUN_INLINE, settings.MEDIA_ROOT = True, tmp_path
    client.force_login(users["albertslund"])
    upload(client, "gerningstyper.csv", CATEGORIES)
    batch = ImportBatch.objects.filter(file_name="gerningstyper.csv").latest("pk")
    page = client.get(f"/import/{batch.pk}/").content.decode()
    assert batch.status == "rejected" and "kan kun ændres af en systemansvarlig" in page
    client.post(f"/import/{batch.pk}/godkend/")
    assert not CategoryRule.objects.filter(prefix="99999").exists()


def test_systemansvarlig_and_superusers_may_change_categories(towns, users):
    result = file_import(data=CATEGORIES, file_name="gerningstyper.csv", user=users["system"])
    assert result.ok, result.message
    assert result.batch.shared_data and CategoryRule.objects.filter(prefix="99999").exists()
    assert batch_rollback(batch=result.batch, user=users["albertslund"]).ok is False
    assert batch_rollback(batch=result.batch, user=users["system"]).ok
    assert file_import(data=CATEGORIES, file_name="gerningstyper.csv", user=users["super"]).ok


def test_the_roles_in_the_database(towns):
    system = Group.objects.get(name="Systemansvarlig")
    assert {"change_categoryrule", "add_offencecategory", "change_dstvalue"} <= set(
        system.permissions.values_list("codename", flat=True))
    analyst = set(Group.objects.get(name="Analytiker").permissions.values_list("codename", flat=True))
    assert "view_categoryrule" in analyst and "change_categoryrule" not in analyst
    assert "change_offencecategory" not in analyst and "change_streetrange" in analyst


# --- batches: who touched what, who sees it, who rolls it back ------------------------------------------------

TWO_TOWNS = offences_csv([("0400-70211-00070-23", 1, "15-01-2023", "75110", "165", "Bybuen 70"),
                          ("0400-70000-00070-23", 1, "15-01-2023", "73241", "153", "Vej 70")])


def test_a_batch_records_every_municipality_it_touched(towns, users):
    result = file_import(data=TWO_TOWNS, file_name="kredsen.csv", user=users["super"], municipality=towns["165"])
    assert result.ok
    assert sorted(result.batch.municipalities.values_list("code", flat=True)) == ["153", "165"]
    entry = AuditEntry.objects.get(action="import", target__startswith=f"#{result.batch.pk} ")
    assert sorted(entry.municipalities.values_list("code", flat=True)) == ["153", "165"]
    assert entry.details["municipalities"] == ["153", "165"]


def test_a_moved_offence_touches_the_municipality_it_left(towns, users):
    data = offences_csv([("0400-70000-46431-23", 1, "01-01-2023", "73241", "165", "Vej 0")])
    result = file_import(data=data, file_name="flyttet.csv", user=users["super"])
    assert result.ok and result.rows_updated == 1
    assert sorted(result.batch.municipalities.values_list("code", flat=True)) == ["153", "165"]


def test_the_touched_municipalitys_analyst_sees_the_batch_and_its_audit_entry(towns, users, client):
    result = file_import(data=TWO_TOWNS, file_name="kredsen.csv", user=users["super"], municipality=towns["165"])
    batch = result.batch
    client.force_login(users["broendby"])
    assert f"/import/{batch.pk}/" in client.get("/import/").content.decode()
    page = client.get(f"/import/{batch.pk}/")
    assert page.status_code == 200
    assert "<dt>Berørte kommuner</dt><dd>Brøndby (153), Albertslund (165)</dd>" in page.content.decode()
    assert f"#{batch.pk} kredsen.csv" in client.get("/revision/").content.decode()
    # an analyst of a municipality the batch did not touch sees neither
    client.force_login(users["albertslund"])
    other = file_import(data=offences_csv([("0400-70000-00080-23", 1, "15-01-2023", "73241", "153", "Vej 80")]),
                        file_name="kun-broendby.csv", user=users["super"])
    assert client.get(f"/import/{other.batch.pk}/").status_code in (403, 404)
    assert "kun-broendby.csv" not in client.get("/import/").content.decode()
    assert "kun-broendby.csv" not in client.get("/revision/").content.decode()


def test_only_a_user_who_may_write_every_touched_municipality_rolls_a_batch_back(towns, users, client):
    result = file_import(data=TWO_TOWNS, file_name="kredsen.csv", user=users["super"], municipality=towns["165"])
    batch = result.batch
    for who in ("albertslund", "broendby"):
        refused = batch_rollback(batch=batch, user=users[who])
        assert not refused.ok and "kan kun rulles tilbage af en analytiker for alle de berørte kommuner" in refused.message
    client.force_login(users["albertslund"])
    client.post(f"/import/{batch.pk}/rul-tilbage/", {"confirm": "ja"})
    batch.refresh_from_db()
    assert batch.status == "done" and ReportedOffence.objects.filter(journal_number__endswith="00070-23").count() == 2
    page = client.get(f"/import/{batch.pk}/").content.decode()
    assert "Brøndby (153), som du ikke har skriveadgang til" in page
    assert batch_rollback(batch=batch, user=users["super"]).ok
    assert not ReportedOffence.objects.filter(journal_number__endswith="00070-23").exists()
    client.force_login(users["broendby"])  # the rollback's audit entry is Brøndby's too
    assert f"<td>kørsel rullet tilbage</td><td>Albertslund</td><td>#{batch.pk} kredsen.csv</td>" in \
        client.get("/revision/?handling=import_rollback").content.decode()


def test_an_analyst_rolls_back_a_batch_of_their_own_municipality(towns, users):
    data = offences_csv([("0400-70211-00090-23", 1, "15-01-2023", "75110", "165", "Bybuen 90")])
    result = file_import(data=data, file_name="egen.csv", user=users["albertslund"], municipality=towns["165"])
    assert sorted(result.batch.municipalities.values_list("code", flat=True)) == ["165"]
    assert batch_rollback(batch=result.batch, user=users["albertslund"]).ok


def test_systemansvarlig_uploads_categories_through_the_web(towns, users, client, settings, tmp_path):
    settings.IMPORT_RUN_INLINE, settings.MEDIA_ROOT = True, tmp_path
    client.force_login(users["system"])
    page = client.get("/import/")
    assert page.status_code == 200 and '<li><a href="/import/">Import</a></li>' in page.content.decode()
    upload(client, "gerningstyper.csv", CATEGORIES)
    batch = ImportBatch.objects.get(file_name="gerningstyper.csv")
    assert batch.status == "preview"
    client.post(f"/import/{batch.pk}/godkend/")
    batch.refresh_from_db()
    assert batch.status == "done" and CategoryRule.objects.filter(prefix="99999").exists()


def test_the_admin_imports_nothing_for_any_role(towns, users, client):
    """The admin's imports (code rules for Systemansvarlig, streets and activity figures for superusers) wrote past
    the batch record and rollback: they are gone, for every role; files are loaded through /import/ (above)."""
    for who in ("system", "super"):
        client.force_login(users[who])
        for changelist in ("/admin/reports/categoryrule/", "/admin/districts/streetrange/",
                           "/admin/reports/activityfigure/"):
            response = client.get(changelist + "import/")
            if users[who].is_staff:
                assert response.status_code == 404, (who, changelist)
                assert changelist + "import/" not in client.get(changelist).content.decode(), (who, changelist)
            else:  # Systemansvarlig without admin access: the admin's login page, as for any admin page
                assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), who