"""Issue 21, finding 7: an admin export of a large table does not run in the request (gunicorn's 30 s
timeout killed the worker): above ADMIN_EXPORT_INLINE_ROWS rows it is a background job whose page links
to the file, which holds every row, and only the user who asked can fetch it."""

import csv
import datetime as dt
import io

import pytest

from reports.models import ReportedOffence

pytestmark = pytest.mark.django_db
ROWS = 2500
URL = "/admin/reports/reportedoffence/export/"


@pytest.fixture
def chef(client, django_user_model, reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_RUN_INLINE = True
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    return client


@pytest.fixture
def offences(reference):
    albertslund = reference["165"]
    ReportedOffence.objects.bulk_create(
        ReportedOffence(journal_number=f"0400-70211-{n:05d}-24", forhold=1, code="75120",
                        report_date=dt.date(2024, 1, 1) + dt.timedelta(days=n % 366), municipality=albertslund,
                        address=f"Bybuen {n}")
        for n in range(ROWS))


def export_form(client, fmt="csv"):
    """The export form's data: the format asked for, the first resource, every field ticked."""
    form = client.get(URL).context["form"]
    data = {"resource": "0"}
    for name, field in form.fields.items():
        if name == "format":
            data["format"] = next(str(i) for i, label in field.choices if str(label).lower() == fmt)
        elif getattr(field, "is_selectable_field", False):
            data[name] = "on"
    return data


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_large_export_is_a_job_whose_file_holds_every_row(chef, offences, settings):
    settings.ADMIN_EXPORT_INLINE_ROWS = 1000
    response = chef.post(URL, export_form(chef))
    assert response.status_code == 302 and "/eksport/" in response["Location"]  # answered at once
    page = chef.get(response["Location"])
    assert page.status_code == 200 and "Eksporten er klar: 2.500 rækker" in page.content.decode()
    download = chef.get(response["Location"] + "?hent=1")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"
    rows = csv_rows(b"".join(download.streaming_content))
    assert len(rows) == ROWS
    assert sorted(r["journal_number"] for r in rows) == sorted(f"0400-70211-{n:05d}-24" for n in range(ROWS))
    first = next(r for r in rows if r["journal_number"] == "0400-70211-00367-24")
    assert (first["report_date"], first["code"], first["address"]) == ("2024-01-02", "75120", "Bybuen 367")


def test_a_running_export_shows_its_page_and_reloads(chef, offences, settings, monkeypatch):
    settings.ADMIN_EXPORT_INLINE_ROWS, settings.IMPORT_RUN_INLINE = 1000, False
    started = []
    monkeypatch.setattr("common.admin_exports.thread_start", lambda target, name: started.append((name, target)))
    response = chef.post(URL, export_form(chef))
    assert response.status_code == 302 and [name[:7] for name, _target in started] == ["export-"]
    page = chef.get(response["Location"]).content.decode()
    assert "laves i baggrunden" in page and 'http-equiv="refresh"' in page
    started[0][1]()  # the job runs
    assert "Eksporten er klar" in chef.get(response["Location"]).content.decode()


def test_another_user_cannot_fetch_the_file(chef, offences, settings, client, django_user_model):
    settings.ADMIN_EXPORT_INLINE_ROWS = 1000
    location = chef.post(URL, export_form(chef))["Location"]
    chef.logout()
    client.force_login(django_user_model.objects.create_superuser("anden", password="x-kode-1234"))
    assert client.get(location + "?hent=1").status_code == 404
    token = location.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/admin/reports/reportedoffence/eksport/{token[:-1]}g/").status_code == 404  # not a token


def test_a_small_export_stays_in_the_request(chef, offences, settings):
    settings.ADMIN_EXPORT_INLINE_ROWS = ROWS
    response = chef.post(URL, export_form(chef))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert len(csv_rows(response.content)) == ROWS


def test_a_large_excel_export_is_a_job_too(chef, offences, settings):
    import openpyxl

    settings.ADMIN_EXPORT_INLINE_ROWS = 1000
    location = chef.post(URL, export_form(chef, "xlsx"))["Location"]
    download = chef.get(location + "?hent=1")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == ROWS + 1  # the header and every row
