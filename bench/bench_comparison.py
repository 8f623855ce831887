"""The comparison page's server time on the demo data (``manage.py load_demo``), uncached and cached.

    DKE_VAR_DIR=/tmp/var-x python bench/bench_comparison.py [--repeat 7]

Times ``/kommune/165/sammenligning/`` rendered by the Django test client (logged in as Albertslund's
manager), median of ``--repeat`` runs: uncached (the cache cleared before each run) and cached, for
- a 20-municipality group: the 20 municipalities with the lowest codes besides Albertslund, typed as names,
- the KOMGRP group Hovedstadskommuner (24 municipalities), two offence groups at once,
- the default (police district and the whole country).
Goals (issue 22): under 200 ms uncached for the 20-municipality group, under 30 ms cached.
Prints one JSON line and a Markdown table for ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")


def median_ms(function, repeat: int, *, before=None) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (the machine is shared: CPU time is what the
    page costs, wall time what a visitor waited on this machine at this moment), in ms."""
    walls, cpus = [], []
    for _ in range(repeat):
        if before:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls) * 1000, 1), round(statistics.median(cpus) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # axes logs every login
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from comparisons.models import DstValue
    from districts.models import Municipality

    user = get_user_model().objects.filter(username="leder").first()
    if user is None or not DstValue.objects.filter(table="STRAF11").exists():
        sys.exit("Load the demo data first: manage.py load_demo")
    peers = list(Municipality.objects.exclude(code="165").order_by("code").values_list("name", flat=True)[:20])
    cases = {
        "20 municipalities by name": {"peers": ", ".join(peers)},
        "KOMGRP Hovedstadskommuner, 2 offence groups": {"peers": "Hovedstadskommuner", "category": ["12", "13"]},
        "default (police district, country)": {},
    }
    client = Client()
    client.force_login(user)
    results = {"repeat": args.repeat, "vendor": connection.vendor,
               "dst_rows": DstValue.objects.count(), "cases": {}}
    for name, query in cases.items():
        url = "/kommune/165/sammenligning/?" + urlencode(query, doseq=True)
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)

        get = lambda url=url: client.get(url, HTTP_HOST="127.0.0.1")  # noqa: E731
        cold, cold_cpu = median_ms(get, args.repeat, before=cache.clear)  # sessions live in the database
        get()
        warm, warm_cpu = median_ms(get, args.repeat)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            get()
        results["cases"][name] = {"uncached_ms": cold, "uncached_cpu_ms": cold_cpu, "cached_ms": warm,
                                  "cached_cpu_ms": warm_cpu, "queries_uncached": len(queries),
                                  "bytes": len(response.content)}
    print(json.dumps(results, ensure_ascii=False))
    print(f"\nload average before: {os.getloadavg()[0]:.1f}")
    print("\n| page | uncached (CPU) | cached (CPU) | queries (uncached) | page size |\n|---|---|---|---|---|")
    for name, r in results["cases"].items():
        print(f"| {name} | {r['uncached_ms']} ms ({r['uncached_cpu_ms']} ms) | {r['cached_ms']} ms "
              f"({r['cached_cpu_ms']} ms) | {r['queries_uncached']} | {r['bytes'] // 1024} kB |")


if __name__ == "__main__":
    main()
