"""Issue 21, finding 5: Excel files are bounded before and while they are read.

The issue's bombs are made here: a 254 KB xlsx of 50,000 rows with one cell at column XFD (it took
2.8 GB before MemoryError), and a small xlsx declaring millions of rows. Each must be refused with a
Danish message, without reading the sheet into memory (tracemalloc's peak is asserted, not time).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from importers.models import ImportBatch
from importers.parsers.common import ParseError
from importers.parsers.tables import read_table
from importers.services import file_import
from tests.importing import import_rejected

pytestmark = pytest.mark.django_db

HEADER_CELLS = ("Journalnummer", "Forhold", "Person-ID")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_with_sheet(rows: bytes, *, dimension: str | None) -> bytes:
    """A workbook whose first sheet's XML is written here: ``rows`` (``<row>`` elements) after a header row."""
    book = Workbook()
    book.active.title = "Sigtelser"
    book.active["A1"] = "x"
    plain = io.BytesIO()
    book.save(plain)
    header = b'<row r="1">' + b"".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
        for col, text in zip("ABC", HEADER_CELLS, strict=True)) + b"</row>"
    sheet = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             + f'<worksheet xmlns="{MAIN}">'.encode()
             + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"")
             + b"<sheetData>" + header + rows + b"</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = sheet if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item.filename, data)
    return out.getvalue()


def xfd_bomb(*, dimension: str | None) -> bytes:
    """The issue's file: 50,000 rows, each with one cell at column XFD (the last of 16,384)."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
                    for i in range(2, 50_002))
    return xlsx_with_sheet(rows, dimension=dimension)


def tall_sheet(n: int, *, dimension: str | None) -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>0400-1-16</t></is></c><c r="B%d"><v>%d</v></c>'
                    b'<c r="C%d" t="inlineStr"><is><t>P-1</t></is></c></row>' % (i, i, i, i, i)
                    for i in range(2, n + 2))
    return xlsx_with_sheet(rows, dimension=dimension)


def refused_within(data: bytes, *, name: str = "bombe.xlsx", megabytes: float = 60) -> str:
    """Import ``data``: refused with nothing stored, Python's allocations peaking below ``megabytes``."""
    tracemalloc.start()
    try:
        result = import_rejected(data, name)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < megabytes * 1024 * 1024, f"peak {peak / 1024 / 1024:.0f} MB"
    assert len(result.errors) == 1 and result.errors[0].row is None
    return result.message


def test_the_issues_xfd_bomb_is_refused_by_its_declared_dimension(reference):
    data = xfd_bomb(dimension="A1:XFD50001")
    assert len(data) < 400_000  # a few hundred KB (the issue's was 254 KB)
    message = refused_within(data)
    assert message == ("Arket 'Sigtelser' i Excel-filen bombe.xlsx angiver mindst 16.384 kolonner; grænsen er 200. "
                       "Filen er ikke læst. Del den op (fx pr. kvartal), eller gem den som CSV.")


def test_the_xfd_bomb_with_a_lying_dimension_is_refused_at_its_first_wide_row(reference):
    for dimension in ("A1:C1", None):
        message = refused_within(xfd_bomb(dimension=dimension))
        assert message.startswith("Arket 'Sigtelser' i Excel-filen bombe.xlsx har mindst 16.384 kolonner; grænsen "
                                  "er 200.")


def test_a_small_file_declaring_millions_of_rows_is_refused_before_it_is_read(reference):
    data = tall_sheet(3, dimension="A1:C5000000")
    assert len(data) < 10_000
    message = refused_within(data, megabytes=5)
    assert message.startswith("Arket 'Sigtelser' i Excel-filen bombe.xlsx angiver mindst 5.000.000 rækker; "
                              "grænsen er 500.000.")


def test_rows_beyond_the_limit_are_counted_as_they_stream(reference, settings):
    settings.IMPORT_MAX_XLSX_ROWS = 1_000
    for dimension in ("A1:C2", None):  # the file says it is small, or nothing
        message = refused_within(tall_sheet(5_000, dimension=dimension), megabytes=20)
        assert message.startswith("Arket 'Sigtelser' i Excel-filen bombe.xlsx har mindst 1.001 rækker; grænsen er "
                                  "1.000.")
    # a single row numbered a million is as many rows
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    assert "har mindst 1.001 rækker" in refused_within(xlsx_with_sheet(far, dimension=None), megabytes=20)
    # within the limit the file is read as before
    result = file_import(data=tall_sheet(999, dimension=None), file_name="sigtelser.xlsx", dry_run=True)
    assert result.ok and result.rows_read == 999, result.errors


def test_parts_that_unpack_beyond_the_limit_are_refused_from_the_zip_directory(reference, settings):
    settings.IMPORT_MAX_XLSX_UNPACKED_BYTES = 2 * 1024 * 1024
    filler = b"<!--" + b" " * (8 * 1024 * 1024) + b"-->"  # 8 MB that deflate to a few KB
    data = xlsx_with_sheet(filler, dimension="A1:C1")
    assert len(data) < 50_000
    message = refused_within(data, megabytes=5)
    assert message == ("Excel-filen bombe.xlsx fylder 8 MB udpakket; grænsen er 2 MB. Filen er ikke læst. "
                       "Del den op, eller gem den som CSV.")


def test_limits_hold_for_every_sheet_and_the_kind_detection(reference):
    with pytest.raises(ParseError, match="angiver mindst 16.384 kolonner"):
        read_table(xfd_bomb(dimension="A1:XFD50001"), file_name="bombe.xlsx", head_only=True)
    with pytest.raises(ParseError, match="har mindst 16.384 kolonner; grænsen er 10"):
        read_table(xfd_bomb(dimension=None), file_name="b.xlsx", limits={"rows": 10, "columns": 10,
                                                                         "unpacked": 10**9})


def test_the_upload_refuses_the_bomb_in_its_request(client, reference, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="x-kode-1234")
    client.force_login(user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bombe.xlsx", xfd_bomb(dimension=None))
    response = client.post("/import/", {"file": upload, "kind": "auto"})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and "16.384 kolonner" in batch.errors[0]["reason"]


# --- a large file's preview runs in a job, not in the upload's request ---------------------------------------


def _upload(client, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/import/", {"file": SimpleUploadedFile(name, data), "kind": "auto"})


def test_a_large_upload_is_previewed_by_a_job_that_the_batch_page_follows(analyst, import_data, settings,
                                                                          monkeypatch):
    from importers import tasks, views
    from importers.storage import upload_path
    from reports.models import ReportedOffence

    settings.IMPORT_PREVIEW_INLINE_BYTES = 100  # the 5-row police file counts as large here
    settings.IMPORT_RUN_INLINE = False
    started = []
    monkeypatch.setattr(tasks, "thread_start", lambda target, *, name: started.append((name, target)))
    monkeypatch.setattr(views, "file_import", None)  # the request must not read the file itself
    response = _upload(analyst, "anmeldelser.csv", import_data("anmeldelser_cp1252.csv"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/import/{batch.pk}/"
    assert batch.status == "previewing" and [n for n, _t in started] == [f"preview-{batch.pk}"]
    assert upload_path(batch.sha256).exists()
    page = analyst.get(f"/import/{batch.pk}/").content.decode()
    assert "genkendes, når filen er læst" in page and "Gennemser filen" in page and 'id="progress-box"' in page and "Godkend og indlæs" not in page
    assert analyst.get(f"/import/{batch.pk}/status.json").json() == {
        "status": "previewing", "status_display": "forhåndsvises", "progress": None, "done": False, "stalled": False}

    started[0][1]()  # the job
    batch.refresh_from_db()
    assert batch.status == "preview" and batch.kind == "offences" and batch.rows_read == 5
    assert analyst.get(f"/import/{batch.pk}/status.json").json()["done"] is True  # the page reloads and shows:
    page = analyst.get(f"/import/{batch.pk}/").content.decode()
    assert "0400-70211-00001-16" in page and "5 rækker klar" in page and "Godkend og indlæs" in page
    settings.IMPORT_RUN_INLINE = True
    analyst.post(f"/import/{batch.pk}/godkend/")
    batch.refresh_from_db()
    assert batch.status == "done" and ReportedOffence.objects.count() == 5
    assert not upload_path(batch.sha256).exists()


def test_a_large_bomb_is_refused_by_its_preview_job_and_its_upload_deleted(analyst, settings):
    from importers.storage import upload_path

    settings.IMPORT_PREVIEW_INLINE_BYTES = 100_000  # the bomb (≈ 257 KB) is previewed by a job (inline here)
    tracemalloc.start()
    try:
        _upload(analyst, "bombe.xlsx", xfd_bomb(dimension=None))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and "har mindst 16.384 kolonner" in batch.errors[0]["reason"]
    assert peak < 60 * 1024 * 1024 and not upload_path(batch.sha256).exists()
    page = analyst.get(f"/import/{batch.pk}/").content.decode()
    assert "Filen er afvist" in page and "16.384 kolonner" in page


def test_a_stalled_preview_is_shown_and_started_again(analyst, import_data, settings, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from importers import tasks

    settings.IMPORT_PREVIEW_INLINE_BYTES = 100
    settings.IMPORT_RUN_INLINE = False
    monkeypatch.setattr(tasks, "thread_start", lambda target, *, name: None)  # the queue loses the job
    _upload(analyst, "anmeldelser.csv", import_data("anmeldelser_cp1252.csv"))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(job_queued_at=timezone.now() - dt.timedelta(hours=2))
    page = analyst.get(f"/import/{batch.pk}/").content.decode()
    assert "Forhåndsvisningen er gået i stå" in page and 'value="retry"' in page
    settings.IMPORT_RUN_INLINE = True
    page = analyst.post(f"/import/{batch.pk}/genstart/", {"action": "retry"}, follow=True).content.decode()
    batch.refresh_from_db()
    assert batch.status == "preview" and "Godkend og indlæs" in page


def test_the_admin_reads_no_excel_file(client, reference, django_user_model):
    """The admin's Excel import (once guarded here against the bomb) is gone: the admin exports only, files are
    read by the importers, whose limits the tests above check. Its old address answers 404 without reading."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(django_user_model.objects.create_superuser("root", password="x-kode-1234"))
    tracemalloc.start()
    try:
        response = client.post("/admin/districts/streetrange/import/", {
            "import_file": SimpleUploadedFile("veje.xlsx", xfd_bomb(dimension=None)), "format": "1", "resource": "0"})
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 404
    assert peak < 60 * 1024 * 1024