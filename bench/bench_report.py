"""The half-year report's PDF: draft render time and the published PDF's serving time (issue 24).

Run by hand against a database with the demo data (``manage.py load_demo --seed 1``), never in the test suite:

    DKE_VAR_DIR=/tmp/var-bench .venv/bin/python bench/bench_report.py [--repeat 3] [--serve 20]

Prints, for the demo report: the draft's render time with empty caches (figure tables and charts computed) and
with warm caches, each as wall-clock and CPU seconds of this process (the machine may be shared: CPU seconds
say what the render itself costs), its pages and size; then publishes a copy of it (its PDF rendered once and
stored) and times GET /rapporter/<id>/pdf/ through Django's test client.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    import pikepdf
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from reports.halfyear.render import report_pdf
    from reports.halfyear.services import report_copy, report_publish
    from reports.halfyear.tasks import pdf_path, report_pdf_render
    from reports.models import HalfYearReport

    report = HalfYearReport.objects.filter(status="draft", title__startswith="Halvårsrapport").order_by("pk").first()
    if report is None:
        raise SystemExit("No demo report: run manage.py load_demo --seed 1 first.")
    import io

    cold, warm = [], []
    for _ in range(args.repeat):
        cache.clear()
        (pdf, _s), wall, cpu = timed(lambda: report_pdf(report))
        cold.append((wall, cpu))
        (pdf, _s), wall, cpu = timed(lambda: report_pdf(report))
        warm.append((wall, cpu))
    pages = len(pikepdf.open(io.BytesIO(pdf)).pages)

    def line(label, runs):
        return (f"{label}: wall median {statistics.median(w for w, _c in runs):.2f} s "
                f"(min {min(w for w, _c in runs):.2f}), CPU median {statistics.median(c for _w, c in runs):.2f} s")

    print(f"demo report #{report.pk} ({report.period}): {pages} pages, {len(pdf) / 1024:.0f} kB, tagged PDF/UA-1")
    print(line("draft, empty caches", cold))
    print(line("draft, warm caches ", warm))

    with transaction.atomic():
        published = report_copy(report=report)
        published = report_publish(report=published)
    (_p, wall, cpu) = timed(lambda: report_pdf_render(published.pk))
    print(f"publishing: PDF rendered once and stored in {wall:.2f} s (CPU {cpu:.2f} s): {pdf_path(published).name}")

    setup_test_environment()
    user = get_user_model().objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(args.serve):
        started = time.perf_counter()
        response = client.get(f"/rapporter/{published.pk}/pdf/")
        body = b"".join(response.streaming_content)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200 and body[:4] == b"%PDF"
    print(f"published PDF served from storage: median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {args.serve} requests")
    stored = pdf_path(published)
    published.delete()
    stored.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
