"""One import through a real Celery worker on the Redis broker (127.0.0.1:6379)."""

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
def test_import_runs_on_a_real_celery_worker(reference, import_data, settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    from dke_dashboard.celery import app
    from importers.services import file_import
    from importers.storage import upload_store
    from importers.tasks import import_start

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
            for _ in range(600):
                if ImportBatch.objects.get(pk=preview.batch.pk).status == "done":
                    break
                time.sleep(0.1)
    finally:
        app.conf.update(task_always_eager=True, task_default_queue=default_queue)
        app._pool = None
        app.amqp._producer_pool = None
    assert ImportBatch.objects.get(pk=preview.batch.pk).status == "done"
    assert ReportedOffence.objects.count() == 2
