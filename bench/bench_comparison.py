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


def median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import django

    django.setup()
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

        def uncached(url=url):
            cache.clear()
            client.force_login(user)  # clearing the cache may clear a cached session
            client.get(url, HTTP_HOST="127.0.0.1")

        cold = median_ms(uncached, args.repeat)
        client.get(url, HTTP_HOST="127.0.0.1")
        warm = median_ms(lambda url=url: client.get(url, HTTP_HOST="127.0.0.1"), args.repeat)
        cache.clear()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
        results["cases"][name] = {"uncached_ms": cold, "cached_ms": warm, "queries_uncached": len(queries),
                                  "bytes": len(response.content)}
    print(json.dumps(results, ensure_ascii=False))
    print("\n| page | uncached | cached | queries (uncached) | page size |\n|---|---|---|---|---|")
    for name, r in results["cases"].items():
        print(f"| {name} | {r['uncached_ms']} ms | {r['cached_ms']} ms | {r['queries_uncached']} | "
              f"{r['bytes'] // 1024} kB |")


if __name__ == "__main__":
    main()
