"""PDF rendering as a background job when Celery is configured (the web worker stays free).

Every PDF is kept under a name that says which version of the report it shows: a published report's numbers are
frozen, so its file is rendered once (when it is published) and then only served; a draft's name also carries the
data version, so a new import or an edit gives a new file and an old one is never served for it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from reports.models import HalfYearReport
from reports.versioning import data_version

from .render import report_pdf


def pdf_path(report: HalfYearReport) -> Path:
    """Where the PDF of this version of the report is kept."""
    if report.status == HalfYearReport.Status.PUBLISHED:
        version = f"{report.pk}:{report.published_at.isoformat() if report.published_at else ''}:published"
    else:
        version = f"{report.pk}:{report.updated_at.isoformat()}:{report.status}:{data_version()}"
    digest = hashlib.sha256(version.encode()).hexdigest()[:16]
    folder = Path(settings.MEDIA_ROOT) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"report-{report.pk}-{digest}.pdf"


def pdf_progress(path: Path) -> dict:
    """How far the job rendering this file has come: {"percent", "stage"}."""
    return cache.get(f"report-pdf-progress:{path.name}") or {"percent": 0, "stage": "Venter på en ledig arbejder"}


@shared_task(name="reports.report_pdf_render", soft_time_limit=300)
def report_pdf_render(report_id: int) -> str:
    report = HalfYearReport.objects.select_related("municipality").get(pk=report_id)
    path = pdf_path(report)
    if not path.exists():
        key = f"report-pdf-progress:{path.name}"

        def progress(percent: int, stage: str) -> None:
            cache.set(key, {"percent": percent, "stage": stage}, 600)

        pdf, _seconds = report_pdf(report, progress=progress)
        partial = path.with_suffix(f".{report_id}.part")
        partial.write_bytes(pdf)
        partial.rename(path)
        cache.set(key, {"percent": 100, "stage": "Færdig"}, 600)
    return str(path)
