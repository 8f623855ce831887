import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import AuditEntry

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_lock_out_after_five_failed_logins(client, django_user_model):
    django_user_model.objects.create_user("ida", password="rigtig-kode-123")
    for _ in range(5):
        response = client.post("/konto/login/", {"username": "ida", "password": "forkert"})
    assert "spærret" in response.content.decode()
    locked = client.post("/konto/login/", {"username": "ida", "password": "rigtig-kode-123"})
    assert locked.status_code == 429 and "spærret i 30 minutter" in locked.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", target="ida").count() >= 5


def test_wrong_password_message_is_danish(client):
    page = client.post("/konto/login/", {"username": "x", "password": "y"}).content.decode()
    assert "Brugernavn eller adgangskode er forkert" in page


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_security_headers_and_csp_without_inline_scripts(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_mapping_change_in_admin_is_audited(client, dke_categories, django_user_model):
    from reports.models import OffenceCategory

    admin = django_user_model.objects.create_superuser("chef", password="x-kode-1234")
    client.force_login(admin)
    vold = OffenceCategory.objects.get(slug="vold")
    client.post("/admin/reports/categoryrule/add/", {"category": vold.pk, "source": "politi", "prefix": "7399"})
    entry = AuditEntry.objects.get(action="mapping_created")
    assert entry.username == "chef" and "7399" in entry.target


def test_import_and_rollback_are_audited(reference, import_data):
    from importers.services import batch_rollback, file_import

    result = file_import(data=import_data("anmeldelser_tab.tsv"), file_name="a.tsv")
    batch_rollback(batch=result.batch)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))[-2:] == ["import", "import_rollback"]


def test_audit_log_page_scoped_to_analysts_municipalities(client, town, member):
    from accounts.services import audit_log
    from districts.models import Municipality

    other, _ = Municipality.objects.get_or_create(code="169", defaults={"name": "Høje-Taastrup"})
    audit_log(user=None, action="import", municipality=town, target="egen kommune")
    audit_log(user=None, action="import", municipality=other, target="anden kommune")
    client.force_login(member("Analytiker", town))
    page = client.get("/revision/").content.decode()
    assert "egen kommune" in page and "anden kommune" not in page


def test_the_audit_log_names_actions_in_words_and_shows_an_analyst_their_own(client, town, member):
    """A file covering several municipalities belongs to none of them: its importer still sees the entry."""
    from accounts.services import audit_log

    analyst = member("Analytiker", town)
    audit_log(user=analyst, action="import", municipality=None, target="#7 hele kredsen.csv")
    audit_log(user=None, action="import", municipality=None, target="#8 en andens fil.csv")
    audit_log(user=analyst, action="import_abandon", municipality=town, target="#9 afbrudt.csv")
    client.force_login(analyst)
    page = client.get("/revision/").content.decode()
    assert "#7 hele kredsen.csv" in page and "#9 afbrudt.csv" in page and "#8 en andens fil.csv" not in page
    assert "<td>fil indlæst</td>" in page and "<td>kørsel opgivet</td>" in page and "<td>import</td>" not in page
    assert '<option value="import_abandon">kørsel opgivet</option>' in page
    filtered = client.get("/revision/?handling=import_abandon").content.decode()
    assert "#9 afbrudt.csv" in filtered and "#7 hele kredsen.csv" not in filtered


def test_error_pages_show_no_stack_traces(client, settings):
    settings.DEBUG = False
    response = client.get("/findes-ikke/")
    assert response.status_code == 404 and "Traceback" not in response.content.decode()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "k" * 20 + "Zq9!x2#Lm4$Vb7%Nc1^Hj6&Pd3*Rt8(Wy5)",
           "ALLOWED_HOSTS": "dashboard.example.dk", "DKE_VAR_DIR": str(tmp_path),
           "PERSON_KEY_SECRET": "p" * 20 + "Kx8#Qm2!Zr5%"}  # required since issue 21
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_required_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DEBUG": "false", "DKE_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_no_raw_cpr_in_exports_or_error_pages(client, reference, import_data, django_user_model):
    from importers.services import file_import

    file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv")
    file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv")
    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    dump = ""
    for slug in ("charges-by-category", "charges-share", "charged-persons-residence"):
        for fmt in ("csv", "json"):
            dump += client.get(f"/kommune/165/figur/{slug}.{fmt}?period_from=2016&period_to=2016").content.decode()
    dump += client.get("/admin/reports/charge/").content.decode()
    bad = file_import(data="Journalnummer;CPR\n0400-1-16;320199-1234\n".encode(), file_name="bad.csv")
    dump += repr(bad.batch.errors) + bad.message
    for raw in ("010203-1234", "0102031234", "2512984321", "320199"):
        assert raw not in dump
