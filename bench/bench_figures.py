"""Figure and dashboard speed on whatever DATABASE_URL holds (e.g. after bench_import.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dke_bench python bench/bench_figures.py

First vacuums the derived tables, as the warming job does after each import, and the row tables, so
that the raw GROUP BYs are at their fastest (PostgreSQL). Times every figure for Albertslund 2016–2025
(median of 5), computed with an empty cache, against the one raw SQL GROUP BY over the row tables that
answers it, and again from the cache; then the whole dashboard page rendered server-side, cold and
cached, after the warming job, and with one district chosen right after the default page.
"""

from __future__ import annotations

import json
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


def raw_queries(vendor: str) -> dict[str, str]:
    """For each kind of figure, the one raw SQL GROUP BY over the row tables that answers it."""
    year = "EXTRACT(YEAR FROM o.report_date)" if vendor == "postgresql" else "strftime('%Y', o.report_date)"
    where = "o.municipality_id = %s AND o.report_date BETWEEN '2016-01-01' AND '2025-12-31'"
    offences = f"SELECT {year}, o.district_id, o.code, COUNT(*) FROM reports_reportedoffence o WHERE {where} GROUP BY 1, 2, 3"
    charges = (f"SELECT {year}, o.district_id, o.code, COUNT(*) FROM reports_charge c "
               f"JOIN reports_reportedoffence o ON o.id = c.offence_id WHERE {where} GROUP BY 1, 2, 3")
    persons = (f"SELECT {year}, c.home_municipality_id, c.home_district_id, COUNT(DISTINCT c.person_key) "
               f"FROM reports_charge c JOIN reports_reportedoffence o ON o.id = c.offence_id WHERE {where} GROUP BY 1, 2, 3")
    age = ("EXTRACT(YEAR FROM o.offence_date) - c.birth_year" if vendor == "postgresql"
           else "CAST(strftime('%Y', o.offence_date) AS integer) - c.birth_year")
    young = (f"SELECT {year}, c.home_district_id, CASE WHEN {age} <= 17 THEN 1 ELSE 2 END, COUNT(DISTINCT c.person_key) "
             f"FROM reports_charge c JOIN reports_reportedoffence o ON o.id = c.offence_id "
             f"WHERE c.home_municipality_id = %s AND o.report_date BETWEEN '2016-01-01' AND '2025-12-31' "
             f"AND {age} BETWEEN 15 AND 25 GROUP BY 1, 2, 3")
    return {"reports-by-period": offences, "reports-per-1000": offences, "offence-mix": offences,
            "reports-share": offences, "charges-by-category": charges, "charges-share": charges,
            "charged-persons-residence": persons, "young-charged-share": young}


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from districts.models import Municipality
    from reports.aggregates import derived_tables_vacuum
    from reports.figures import FIGURES
    from reports.models import Charge, ReportedOffence
    from reports.services import figure_table
    from reports.warm import dashboards_warm

    albertslund = Municipality.objects.get(code="165")
    total = ReportedOffence.objects.count()
    local = ReportedOffence.objects.filter(municipality=albertslund).count()
    print(f"{connection.vendor}, {total} offences ({local} in Albertslund), Albertslund 2016–2025, median of 5")
    results: dict = {"engine": connection.vendor, "offences": total, "albertslund": local, "figures": {}}
    started = time.perf_counter()
    if derived_tables_vacuum():  # what the warming job does after each import, before anyone views a figure
        results["vacuum_s"] = round(time.perf_counter() - started, 1)
        print(f"vacuumed the derived tables as the warming job does after an import: {results['vacuum_s']} s")
        with connection.cursor() as cursor:  # and the row tables, so the raw GROUP BYs are at their fastest too
            for model in (ReportedOffence, Charge):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    print(f"{'figure':28s} {'raw SQL':>9s} {'computed':>9s} {'ratio':>6s} {'cached':>8s}")
    for slug, sql in raw_queries(connection.vendor).items():
        def raw(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql, [albertslund.pk])
                cursor.fetchall()

        def computed(slug=slug):
            cache.clear()  # the real work, not the cache
            figure_table(slug=slug, municipality=albertslund, period="2016", to="2025")

        floor, seconds = median_seconds(raw), median_seconds(computed)
        warm = median_seconds(lambda slug=slug: figure_table(slug=slug, municipality=albertslund, period="2016",
                                                             to="2025"))
        print(f"{slug:28s} {floor * 1000:7.1f}ms {seconds * 1000:7.1f}ms {seconds / floor:6.2f} {warm * 1000:6.1f}ms")
        results["figures"][slug] = {"raw_ms": round(floor * 1000, 1), "computed_ms": round(seconds * 1000, 1),
                                    "ratio": round(seconds / floor, 2), "cached_ms": round(warm * 1000, 1)}
    assert set(FIGURES) == set(raw_queries(connection.vendor))
    user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "bench", password="bench-kode-123")
    client = Client()
    client.force_login(user)
    for name, url in (("dashboard", "/kommune/165/"), ("dashboard_ten_years", "/kommune/165/?period_from=2016&period_to=2025")):
        assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200

        def cold(url=url):
            cache.clear()
            client.get(url, HTTP_HOST="127.0.0.1")

        results[f"{name}_cold_ms"] = round(median_seconds(cold) * 1000)
        results[f"{name}_cached_ms"] = round(median_seconds(lambda url=url: client.get(url, HTTP_HOST="127.0.0.1")) * 1000)
        print(f"{url}: server time {results[f'{name}_cold_ms']} ms with an empty cache, "
              f"{results[f'{name}_cached_ms']} ms cached")

    def warmed():  # as the first visitor after an import sees it: the import warmed the default page
        cache.clear()
        dashboards_warm(codes=["165"])
        started = time.perf_counter()
        client.get("/kommune/165/", HTTP_HOST="127.0.0.1")
        return time.perf_counter() - started

    results["dashboard_after_warming_ms"] = round(statistics.median(warmed() for _ in range(3)) * 1000)
    print(f"/kommune/165/ after the warming an import runs: {results['dashboard_after_warming_ms']} ms")

    district = albertslund.districts.order_by("order", "name").values_list("name", flat=True).first()

    def district_chosen():  # a visitor of the default page picks one district (a view nobody has opened yet)
        cache.clear()
        client.get("/kommune/165/", HTTP_HOST="127.0.0.1")
        started = time.perf_counter()
        client.get("/kommune/165/", {"districts": district}, HTTP_HOST="127.0.0.1")
        return time.perf_counter() - started

    if district:
        results["dashboard_district_chosen_ms"] = round(statistics.median(district_chosen() for _ in range(5)) * 1000)
        print(f"/kommune/165/?districts={district} right after the default page: "
              f"{results['dashboard_district_chosen_ms']} ms")
    print("RESULT " + json.dumps(results))  # for bench/run_all.py


if __name__ == "__main__":
    main()
