"""Imports and rollbacks whose process died: the batch page says so and offers to start again or give up."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from importers import tasks
from importers.jobs import job_alive, job_hold, job_stalled
from importers.models import ImportBatch
from importers.services.lifecycle import uploads_purge
from reports.models import ReportedOffence

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def previewed(analyst, import_data):
    """A previewed upload of five offences; its import is queued but no job is run (the process 'died')."""
    analyst.post("/import/", {"file": SimpleUploadedFile("a.csv", import_data("anmeldelser_cp1252.csv")),
                              "kind": "auto"})
    return ImportBatch.objects.get()


def queued_without_a_job(batch, settings, monkeypatch):
    settings.IMPORT_RUN_INLINE = False
    monkeypatch.setattr(tasks, "thread_start", lambda target, *, name: None)  # the process dies at once
    tasks.import_start(batch)
    settings.IMPORT_RUN_INLINE = True
    batch.refresh_from_db()


def _subprocess_env(settings) -> dict:
    env = {**os.environ, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DJANGO_SETTINGS_MODULE": "dke_dashboard.settings"}
    if connection.vendor == "postgresql":  # the lock lives in the test database
        db = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                               f"{db['PORT'] or 5432}/{db['NAME']}")
    return env


def test_a_job_holds_its_lock_until_its_process_is_killed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    code = ("import django, sys, time; django.setup(); from importers.jobs import job_hold\n"
            "with job_hold(4711):\n    print('held', flush=True); time.sleep(60)\n")
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=_subprocess_env(settings),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "held"
        assert job_alive(4711) and not job_alive(4712)
        worker.send_signal(signal.SIGKILL)  # no finally, no clean-up: like an out-of-memory kill
        worker.wait(10)
        for _ in range(50):
            if not job_alive(4711):
                break
            time.sleep(0.1)
        assert not job_alive(4711)
        assert not list((tmp_path / "jobs").glob("*.lock"))  # SQLite: the dead job's file is cleared away
    finally:
        worker.kill()
        worker.stdout.close()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_job_locks_leave_no_files_and_a_waiting_job_holds_a_live_one(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    events = {name: threading.Event() for name in ("first_held", "first_release", "second_held", "second_release")}

    def job(held: str, release: str):
        with job_hold(7):
            events[held].set()
            events[release].wait(10)

    first = threading.Thread(target=job, args=("first_held", "first_release"))
    second = threading.Thread(target=job, args=("second_held", "second_release"))
    first.start()
    assert events["first_held"].wait(10)
    second.start()  # a task delivered twice: it opens the lock file and waits for the first job
    time.sleep(0.3)
    assert not events["second_held"].is_set()
    events["first_release"].set()  # the first job deletes its file as it ends
    try:
        assert events["second_held"].wait(10)
        assert job_alive(7)  # the second job holds a file that others find, not the deleted one
    finally:
        events["second_release"].set()
        first.join(10)
        second.join(10)
    assert not job_alive(7)
    assert not list((tmp_path / "jobs").glob("*"))


def test_a_job_that_waits_in_the_queue_is_stalled_only_after_the_patience(previewed, settings, monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)
    assert previewed.status == "queued" and not job_stalled(previewed)
    settings.IMPORT_QUEUE_PATIENCE_MINUTES = 30
    ImportBatch.objects.filter(pk=previewed.pk).update(job_queued_at=timezone.now() - dt.timedelta(minutes=31))
    previewed.refresh_from_db()
    assert job_stalled(previewed)


def test_a_claimed_job_whose_lock_is_gone_is_stalled_at_once_and_a_live_one_is_not(previewed, settings,
                                                                                    monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)
    ImportBatch.objects.filter(pk=previewed.pk).update(status="running", job_started_at=timezone.now())
    previewed.refresh_from_db()
    assert job_stalled(previewed)
    held, release = threading.Event(), threading.Event()

    def live_job():  # another connection (PostgreSQL) or open file (SQLite): another job
        with job_hold(previewed.pk):
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=live_job)
    thread.start()
    try:
        assert held.wait(10)
        assert job_alive(previewed.pk) and not job_stalled(previewed)
    finally:
        release.set()
        thread.join(10)
    assert job_stalled(previewed)


def test_a_stalled_import_is_shown_and_started_again(analyst, previewed, settings, monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)
    ImportBatch.objects.filter(pk=previewed.pk).update(status="running", job_started_at=timezone.now())
    queued_first = previewed.job_queued_at
    status = analyst.get(f"/import/{previewed.pk}/status.json").json()
    assert status == {"status": "running", "status_display": "indlæses", "progress": 0, "done": True,
                      "stalled": True}  # the page reloads and shows:
    page = analyst.get(f"/import/{previewed.pk}/").content.decode()
    assert "Indlæsningen er gået i stå" in page and "Intet fra den afbrudte indlæsning er gemt" in page
    assert 'id="progress-box"' not in page and 'value="retry"' in page and 'value="abandon"' in page
    assert "5 læst; intet er gemt endnu" in page and "Varighed" not in page  # not the preview's numbers

    page = analyst.post(f"/import/{previewed.pk}/genstart/", {"action": "retry"}, follow=True).content.decode()
    previewed.refresh_from_db()
    assert previewed.status == "done" and ReportedOffence.objects.count() == 5
    assert "er startet igen" in page and "gået i stå" not in page
    assert not (settings.MEDIA_ROOT / "uploads" / previewed.sha256).exists()
    assert previewed.job_started_at >= previewed.job_queued_at > queued_first  # queued again, then taken up
    # a second delivery of the same task finds the batch done and does nothing
    tasks.import_execute(previewed.pk)
    assert ReportedOffence.objects.count() == 5 and ImportBatch.objects.get(pk=previewed.pk).status == "done"


def test_a_stalled_import_given_up_fails_and_its_upload_is_deleted(analyst, previewed, settings, monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)
    ImportBatch.objects.filter(pk=previewed.pk).update(status="running", job_started_at=timezone.now())
    page = analyst.post(f"/import/{previewed.pk}/genstart/", {"action": "abandon"}, follow=True).content.decode()
    previewed.refresh_from_db()
    assert previewed.status == "failed" and previewed.error_count == 1 and ReportedOffence.objects.count() == 0
    assert "afbrudt og opgivet; intet er gemt" in page
    assert not (settings.MEDIA_ROOT / "uploads" / previewed.sha256).exists()
    from accounts.models import AuditEntry

    assert AuditEntry.objects.filter(action="import_abandon", target__startswith=f"#{previewed.pk} ").exists()


def test_a_stalled_import_whose_upload_is_gone_fails_with_a_reason(analyst, previewed, settings, monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)
    ImportBatch.objects.filter(pk=previewed.pk).update(status="running", job_started_at=timezone.now())
    (settings.MEDIA_ROOT / "uploads" / previewed.sha256).unlink()
    page = analyst.post(f"/import/{previewed.pk}/genstart/", {"action": "retry"}, follow=True).content.decode()
    previewed.refresh_from_db()
    assert previewed.status == "failed" and "filen er ikke længere gemt" in page and 'role="alert"' in page


def test_a_job_under_way_cannot_be_started_again(analyst, previewed, settings, monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)  # queued a moment ago: within the patience
    page = analyst.post(f"/import/{previewed.pk}/genstart/", {"action": "retry"}, follow=True).content.decode()
    previewed.refresh_from_db()
    assert previewed.status == "queued" and "er ikke gået i stå" in page
    assert "Vælg om" in analyst.post(f"/import/{previewed.pk}/genstart/", follow=True).content.decode()


def test_a_stalled_rollback_is_started_again_or_given_up(analyst, previewed, settings, monkeypatch):
    analyst.post(f"/import/{previewed.pk}/godkend/")
    for action in ("abandon", "retry"):
        settings.IMPORT_RUN_INLINE = False
        monkeypatch.setattr(tasks, "thread_start", lambda target, *, name: None)
        analyst.post(f"/import/{previewed.pk}/rul-tilbage/", {"confirm": "ja"})
        settings.IMPORT_RUN_INLINE = True
        ImportBatch.objects.filter(pk=previewed.pk).update(job_started_at=timezone.now())  # taken up, then died
        page = analyst.get(f"/import/{previewed.pk}/").content.decode()
        assert "Tilbagerulningen er gået i stå" in page and "kørslens data er som før" in page
        page = analyst.post(f"/import/{previewed.pk}/genstart/", {"action": action}, follow=True).content.decode()
        previewed.refresh_from_db()
        if action == "abandon":
            assert previewed.status == "done" and ReportedOffence.objects.count() == 5
            assert "afbrudt og opgivet; intet er ændret" in page and "Rul tilbage</button>" in page
            assert 'class="messages"' not in page  # said once, by the outcome kept on the batch
    assert previewed.status == "rolled_back" and ReportedOffence.objects.count() == 0


def test_the_upload_of_a_stalled_import_is_purged_but_not_that_of_a_live_one(previewed, settings, monkeypatch):
    queued_without_a_job(previewed, settings, monkeypatch)
    stored = settings.MEDIA_ROOT / "uploads" / previewed.sha256
    assert uploads_purge(hours=0) == 0 and stored.exists()  # queued a moment ago
    ImportBatch.objects.filter(pk=previewed.pk).update(status="running", job_started_at=timezone.now())
    assert uploads_purge(hours=0) == 1 and not stored.exists()
