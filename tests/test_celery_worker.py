"""One import, and its rollback, through a real Celery worker on the Redis broker (127.0.0.1:6379)."""

import socket
import time
import uuid

import pytest

from importers.models import ImportBatch
from reports.models import ReportedOffence

BROKER = "redis://127.0.0.1:6379/15"


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.celery,
    pytest.mark.skipif(not redis_up(), reason="no Redis broker on 127.0.0.1:6379"),
]


@pytest.mark.django_db(transaction=True)
def test_import_and_rollback_run_on_a_real_celery_worker(reference, import_data, settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    from dke_dashboard.celery import app
    from importers.services import file_import
    from importers.storage import upload_store
    from importers.tasks import import_start, rollback_start

    settings.CELERY_BROKER_URL = BROKER
    settings.MEDIA_ROOT = tmp_path
    # a queue of its own: another test run on the same machine and broker must not take the task
    queue = f"dke-test-{uuid.uuid4().hex[:12]}"
    default_queue = app.conf.task_default_queue
    app.conf.update(broker_url=BROKER, task_always_eager=False, result_backend=None, task_default_queue=queue)
    # earlier (eager) tests may have built the producer pool for the default broker: start afresh
    app._pool = None
    app.amqp._producer_pool = None
    data = import_data("anmeldelser_tab.tsv")
    preview = file_import(data=data, file_name="t.tsv", dry_run=True)
    upload_store(data, preview.batch.sha256)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            assert import_start(preview.batch) == "celery"
            wait_for(preview.batch.pk, "done")
            imported = ReportedOffence.objects.count()
            assert rollback_start(ImportBatch.objects.get(pk=preview.batch.pk)) == "celery"  # a rollback too
            wait_for(preview.batch.pk, "rolled_back")
    finally:
        app.conf.update(task_always_eager=True, task_default_queue=default_queue)
        app._pool = None
        app.amqp._producer_pool = None
    assert imported == 2
    assert ImportBatch.objects.get(pk=preview.batch.pk).status == "rolled_back"
    assert ReportedOffence.objects.count() == 0


def wait_for(batch_id: int, status: str) -> None:
    for _ in range(600):
        if ImportBatch.objects.get(pk=batch_id).status == status:
            return
        time.sleep(0.1)
