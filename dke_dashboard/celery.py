"""Celery application.

Jobs (imports, PDF rendering) run on a Redis broker when ``CELERY_BROKER_URL`` is set;
without it ``CELERY_TASK_ALWAYS_EAGER`` makes every ``.delay()`` run in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")

app = Celery("dke_dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
