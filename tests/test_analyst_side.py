"""The analyst's side around the import: the upload form adapts and starts on the user's municipality, the
data-quality page and /rapporter/ remember it, the admin speaks Danish, and the audit log is complete."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db


def selected(page: str, name: str) -> str | None:
    import re

    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1)) if select else None
    return chosen.group(1) if chosen else None


def test_the_upload_form_starts_on_the_analysts_only_municipality(analyst, reference):
    page = analyst.get("/import/").content.decode()
    assert selected(page, "municipality") == str(reference["165"].pk)
    assert 'href="/hjaelp/#filer"' in page and 'src="/static/js/upload.js"' in page
    # the DST and GeoJSON fields are in groups the script shows only for their files (all shown without it)
    assert 'id="fields-dst" data-kinds="dst"' in page and 'id="fields-boundaries" data-kinds="boundaries"' in page


def test_the_upload_form_remembers_the_municipality_of_a_user_with_several(client, reference, member, settings,
                                                                          tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = member("Analytiker", reference["165"])
    Membership.objects.create(user=user, municipality=reference["151"], role=Group.objects.get(name="Analytiker"))
    client.force_login(user)
    assert selected(client.get("/import/").content.decode(), "municipality") == ""  # "---------": none yet
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post("/import/", {"file": SimpleUploadedFile("b.csv", "Bydel;Dato;Antal\nX;01-01-2016;1\n".encode()),
                             "kind": "auto", "municipality": reference["151"].pk})
    assert selected(client.get("/import/").content.decode(), "municipality") == str(reference["151"].pk)


def test_a_refused_files_page_offers_the_form_again_with_its_kind(analyst):
    page = analyst.get("/import/?filtype=dst").content.decode()
    assert selected(page, "kind") == "dst"
    assert selected(analyst.get("/import/?filtype=nonsense").content.decode(), "kind") == "auto"


def test_reports_form_starts_on_the_managers_municipality(client, reference, member):
    client.force_login(member("Leder", reference["165"]))
    assert selected(client.get("/rapporter/").content.decode(), "municipality") == str(reference["165"].pk)


def test_a_superusers_data_quality_page_opens_on_the_municipality_they_looked_at(client, reference,
                                                                                 django_user_model):
    boss = django_user_model.objects.create_superuser("chef", password="x-kode-1234")
    client.force_login(boss)
    client.get("/kommune/165/")
    assert "Datakvalitet – Albertslund" in client.get("/datakvalitet/").content.decode()
    client.get("/datakvalitet/?kommune=101")
    assert "Datakvalitet – København" in client.get("/datakvalitet/").content.decode()


def test_the_admin_speaks_danish_and_has_a_favicon(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "<title>Data, brugere og roller | Tryghedsdata – administration</title>" in page
    assert '<a href="/admin/">Tryghedsdata – administration</a>' in page and "Django administration" not in page
    assert "Loginforsøg og spærringer" in page and "Access attempts" not in page and ">Axes<" not in page
    assert 'rel="icon" href="/static/favicon.svg"' in page
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="offer", ip_address="127.0.0.1", user_agent="test", http_accept="*/*",
                                 path_info="/login/", get_data="", post_data="", failures_since_start=1)
    attempts = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "Brugernavn" in attempts and "IP-adresse" in attempts and "Username" not in attempts
    assert admin_client.get("/favicon.ico")["Location"] == "/static/favicon.svg"


def test_role_changes_are_audited(admin_client, reference, django_user_model):
    user = django_user_model.objects.create_user("ny", password="x-kode-1234")
    group = Group.objects.get(name="Leder")
    admin_client.post("/admin/accounts/membership/add/", {"user": user.pk, "municipality": reference["165"].pk,
                                                          "role": group.pk})
    membership = Membership.objects.get(user=user)
    admin_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    entries = list(AuditEntry.objects.filter(action__startswith="role_").order_by("pk").values_list(
        "action", "username", "target", "municipality__code"))
    assert entries == [("role_granted", "admin", "ny: Leder", "165"), ("role_removed", "admin", "ny: Leder", "165")]


def test_making_a_user_superuser_is_audited_as_a_role_change(admin_client, django_user_model):
    user = django_user_model.objects.create_user("ny", password="x-kode-1234")
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    admin_client.post(f"/admin/auth/user/{user.pk}/change/", {
        "username": "ny", "is_active": "on", "is_superuser": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00", "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "10:00:00"})
    user.refresh_from_db()
    assert user.is_superuser
    assert list(AuditEntry.objects.filter(action="role_granted").values_list("username", "target")) == [
        ("admin", "ny: superbruger")]


def test_downloads_of_person_level_figures_are_audited(client, town, member):
    client.force_login(member("Medarbejder", town))
    client.get("/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2016")
    assert not AuditEntry.objects.filter(action="figure_download").exists()  # no person-level numbers
    client.get("/kommune/165/figur/charged-persons-residence.csv?period_from=2016&period_to=2016")
    entry = AuditEntry.objects.get(action="figure_download")
    assert (entry.username, entry.municipality.code, entry.target) == (
        "medarbejder", "165", "165-charged-persons-residence-2016-2016.csv")
    assert "tal om sigtede hentet" in str(entry.action_display)


def test_failed_logins_and_lock_outs_are_audited_in_the_uis_words(client, django_user_model):
    django_user_model.objects.create_user("offer", password="x-kode-1234")
    for _attempt in range(6):
        client.post("/konto/login/", {"username": "offer", "password": "forkert"})
    actions = list(AuditEntry.objects.filter(target="offer").values_list("action", flat=True))
    assert actions.count("login_failed") >= 5 and "login_locked_out" in actions
    assert str(AuditEntry.ACTIONS["report_publish"]) == "rapport offentliggjort"
