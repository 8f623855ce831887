"""Figure and dashboard speed on whatever DATABASE_URL holds (e.g. after bench_import.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dke_bench python bench/bench_figures.py

Times every figure for Albertslund 2016–2025 (median of 5) against the one raw SQL GROUP BY
that answers it, and the whole dashboard page rendered server-side.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")


def median_seconds(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from districts.models import Municipality
    from reports.figures import FIGURES
    from reports.models import ReportedOffence
    from reports.services import figure_table

    albertslund = Municipality.objects.get(code="165")
    total = ReportedOffence.objects.count()
    year = "EXTRACT(YEAR FROM report_date)" if connection.vendor == "postgresql" else "strftime('%Y', report_date)"
    raw = (f"SELECT {year}, district_id, code, COUNT(*) FROM reports_reportedoffence WHERE municipality_id = %s "
           "AND report_date BETWEEN '2016-01-01' AND '2025-12-31' GROUP BY 1, 2, 3")

    def raw_group_by():
        with connection.cursor() as cursor:
            cursor.execute(raw, [albertslund.pk])
            cursor.fetchall()

    floor = median_seconds(raw_group_by)
    print(f"{connection.vendor}, {total} offences; raw GROUP BY {floor * 1000:.1f} ms")
    for slug in FIGURES:
        seconds = median_seconds(lambda s=slug: figure_table(slug=s, municipality=albertslund, period="2016", to="2025"))
        print(f"{slug:28s} {seconds * 1000:7.1f} ms  ratio {seconds / floor:5.1f}")
    user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "bench", password="bench-kode-123")
    client = Client()
    client.force_login(user)
    url = "/kommune/165/?period_from=2016&period_to=2025"
    client.get(url, HTTP_HOST="127.0.0.1")
    seconds = median_seconds(lambda: client.get(url, HTTP_HOST="127.0.0.1"))
    print(f"dashboard page (server time)  {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
