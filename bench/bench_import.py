"""Import speed: police extracts through file_import, against the floor of a bare \\copy.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dke_bench python bench/bench_import.py --offences 100000

Creates a fresh schema (migrate + load_reference), generates the extract with
bench/generate.py, imports offences then charges, and prints seconds, rows/s and peak RSS.
On PostgreSQL it also times psql \\copy of the same file into a bare table.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offences", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import generate
    from importers.services import file_import

    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    call_command("load_reference", verbosity=0)
    out = Path(tempfile.mkdtemp(prefix="dke-bench-"))
    counts = generate(offences=args.offences, out=out, seed=args.seed)
    results = {"engine": connection.vendor, **counts}
    for name in ("anmeldelser.csv", "sigtelser.csv"):
        data = (out / name).read_bytes()
        started = time.perf_counter()
        result = file_import(data=data, file_name=name)
        seconds = time.perf_counter() - started
        assert result.ok, result.errors[:3]
        results[name] = {"seconds": round(seconds, 2), "rows": result.rows_read,
                         "rows_per_s": round(result.rows_read / seconds)}
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        target = ["-h", settings["HOST"] or "127.0.0.1", "-U", settings["USER"] or "postgres", "-d", settings["NAME"]]
        subprocess.run(["psql", *target, "-qc", "DROP TABLE IF EXISTS bare; CREATE TABLE bare (journal text, forhold int, "
                        "report_date date, offence_date date, code text, code_text text, address text, postcode text, "
                        "municipality text, district text, initiative text)"], check=True)
        started = time.perf_counter()
        subprocess.run(["psql", *target, "-qc", f"\\copy bare FROM '{out / 'anmeldelser.csv'}' WITH (FORMAT csv, "
                        "DELIMITER ';', HEADER true, ENCODING 'WIN1252')"], check=True,
                       env={**os.environ, "PGOPTIONS": "-c datestyle=ISO,DMY"})
        floor = time.perf_counter() - started
        results["bare_copy_seconds"] = round(floor, 2)
        results["ratio_vs_copy"] = round(results["anmeldelser.csv"]["seconds"] / floor, 1)
    print(results)


if __name__ == "__main__":
    main()
