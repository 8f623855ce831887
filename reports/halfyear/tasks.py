"""PDF rendering as a background job when Celery is configured (the web worker stays free)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from celery import shared_task
from django.conf import settings

from reports.models import HalfYearReport


def pdf_path(report: HalfYearReport) -> Path:
    """Where the PDF of this version of the report is kept (a new edit gives a new file)."""
    version = hashlib.sha256(f"{report.pk}:{report.updated_at.isoformat()}:{report.status}".encode()).hexdigest()[:16]
    folder = Path(settings.MEDIA_ROOT) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"report-{report.pk}-{version}.pdf"


@shared_task(name="reports.report_pdf_render")
def report_pdf_render(report_id: int) -> str:
    from .render import report_pdf

    report = HalfYearReport.objects.get(pk=report_id)
    path = pdf_path(report)
    if not path.exists():
        pdf, _seconds = report_pdf(report)
        partial = path.with_suffix(".part")
        partial.write_bytes(pdf)
        partial.rename(path)
    return str(path)
