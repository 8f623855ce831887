"""Warming: after new data the default dashboard is computed before anyone asks for it."""

import subprocess
import sys

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_warming_fills_the_cache_a_visit_reads(client, town, member, django_assert_max_num_queries):
    from reports.warm import dashboards_warm

    client.force_login(member("Medarbejder", town))
    assert set(dashboards_warm()) == {"165"}
    # a warm visit reads no figure data: only the session, the user, the page's frame and the data version
    with django_assert_max_num_queries(40) as queries:
        page = client.get("/kommune/165/")
    assert page.status_code == 200 and "Figur 8" in page.content.decode()
    figure_tables = ("reports_offenceaggregate", "reports_charge", "districts_populationcount")
    assert not [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in figure_tables)]


def test_a_confirmed_web_import_warms_the_dashboards(client, reference, member, import_data, settings, monkeypatch,
                                                      tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from importers.models import ImportBatch

    settings.IMPORT_RUN_INLINE, settings.MEDIA_ROOT = True, tmp_path
    warmed = []
    monkeypatch.setattr("importers.services.runs.dashboards_warm_later", lambda: warmed.append("warm"))
    client.force_login(member("Analytiker", reference["165"]))
    client.post("/import/", {"file": SimpleUploadedFile("a.csv", import_data("anmeldelser_cp1252.csv")),
                             "kind": "auto"})
    assert warmed == []  # a preview changes nothing
    batch = ImportBatch.objects.get()
    client.post(f"/import/{batch.pk}/godkend/")
    assert warmed == ["warm"]  # after the import
    client.post(f"/import/{batch.pk}/rul-tilbage/", {"confirm": "ja"})
    assert warmed == ["warm", "warm"]  # and after its rollback


def test_warming_runs_in_the_background_and_can_be_switched_off(settings, monkeypatch):
    from reports import warm

    started = []

    class Thread:
        def __init__(self, *, target, name, daemon):
            started.append((name, daemon))

        def start(self):
            started.append("started")

    monkeypatch.setattr("common.background.threading.Thread", Thread)
    settings.FIGURE_WARM_AFTER_WRITE = False
    assert warm.dashboards_warm_later() == "off" and started == []
    settings.FIGURE_WARM_AFTER_WRITE, settings.CELERY_BROKER_URL = True, ""
    assert warm.dashboards_warm_later() == "thread"
    assert started == [("dashboards-warm", True), "started"]


def test_warm_dashboards_command(town, capsys):
    call_command("warm_dashboards", "--municipality", "165")
    assert "1 dashboards forberedt." in capsys.readouterr().out


def test_a_celery_worker_knows_every_task():
    """The worker registers tasks from each app's tasks module: a task elsewhere would be 'unregistered'."""
    code = ("import django; django.setup(); from dke_dashboard.celery import app; "
            "app.loader.import_default_modules(); print(sorted(t for t in app.tasks if not t.startswith('celery.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ("['importers.import_run', 'importers.preview_run', 'importers.rollback_run', "
                           "'reports.dashboards_warm', 'reports.report_pdf_render']")  # preview_run: issue 21


def test_an_unreachable_broker_does_not_fail_the_import_that_asked_for_warming(settings, monkeypatch):
    from reports import warm

    def refuse():
        raise ConnectionError("broker down")

    settings.FIGURE_WARM_AFTER_WRITE, settings.CELERY_BROKER_URL = True, "redis://127.0.0.1:1/0"
    monkeypatch.setattr(warm.dashboards_warm_task, "delay", refuse)
    assert warm.dashboards_warm_later() == "failed"


@pytest.mark.django_db(transaction=True)
def test_warming_first_vacuums_the_derived_tables_on_postgresql(town):
    """Index-only scans of the charge facts need vacuumed pages; autovacuum may be off or far behind."""
    from django.db import connection

    from reports.warm import dashboards_warm

    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")

    def vacuumed() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # statistics as of now, not the transaction's start
            cursor.execute("SELECT relname, vacuum_count FROM pg_stat_user_tables "
                           "WHERE relname IN ('reports_chargefact', 'reports_offenceaggregate')")
            return dict(cursor.fetchall())

    before = vacuumed()
    assert set(dashboards_warm()) == {"165"}
    after = vacuumed()
    assert all(after[table] == before[table] + 1 for table in before) and len(before) == 2
