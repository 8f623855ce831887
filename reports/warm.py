"""Warm the figure caches after new data, so the first visitor after an import gets a cached dashboard.

The job first vacuums the derived tables (``aggregates.derived_tables_vacuum``), so that the warmed
pages and every later one read them as fast as they can.

Every write bumps the data version (``reports.versioning``), which makes every cached figure
old at once. Rendering each municipality's default dashboard in the background right after an
import fills the caches under the new version with exactly the keys a real visit uses: it calls
the dashboard view itself.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.utils import translation

from common.background import thread_start
from districts.models import Municipality

from .aggregates import derived_tables_vacuum
from .dashboard import default_dashboard_body
from .models import OffenceAggregate

log = logging.getLogger(__name__)


def dashboards_warm(*, codes: list[str] | None = None) -> dict[str, float]:
    """Vacuum the derived tables, then render the default dashboard of each municipality with offences
    (staff view, and the public view where it is switched on); returns the seconds each took."""
    derived_tables_vacuum()

    with_data = OffenceAggregate.objects.values_list("municipality_id", flat=True).distinct()  # small, unlike offences
    municipalities = Municipality.objects.filter(pk__in=with_data).order_by("code")
    if codes is not None:
        municipalities = municipalities.filter(code__in=codes)
    seconds: dict[str, float] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for municipality in municipalities:
            started = time.perf_counter()
            for public in (False, True) if municipality.public_view else (False,):
                default_dashboard_body(municipality, public=public)
            seconds[municipality.code] = time.perf_counter() - started
    return seconds


@shared_task(name="reports.dashboards_warm")
def dashboards_warm_task() -> dict[str, float]:
    return dashboards_warm()


def dashboards_warm_later() -> str:
    """Warm in the background: a Celery task when a broker is configured, else a thread."""
    if not settings.FIGURE_WARM_AFTER_WRITE:
        return "off"
    if settings.CELERY_BROKER_URL:
        try:
            dashboards_warm_task.delay()
        except Exception:  # warming is an optimisation: an unreachable broker must not fail the caller
            log.exception("Could not queue the warming of the dashboards")
            return "failed"
        return "celery"
    thread_start(dashboards_warm, name="dashboards-warm")
    return "thread"
