"""Every benchmark of issue 7 in one run on this machine, written to bench/RESULTS.md.

    .venv/bin/python bench/run_all.py            # 1M and 5M offences; about ten minutes
    .venv/bin/python bench/run_all.py --quick    # 100k and 200k: checks the script, not the machine

Generates the extracts (bench/generate.py, seed 7) unless they exist in --data, then:
1. PostgreSQL, 1M offences: the bare ``\\copy`` floor and the import (offences, charges, a quarter again);
2. SQLite, 1M offences: the same import, rows/s;
3. PostgreSQL, 5M offences: the import (peak memory), then every figure against its raw GROUP BY
   and the dashboard's server time (bench/bench_figures.py);
4. the load test against the 5M database: gunicorn, Redis cache, wrk with 50 connections
   (bench/loadtest.sh).
Each step runs in a process of its own (its peak RSS is its own). The results are appended to
bench/RESULTS.md as a dated section with the machine's facts; the raw output goes to --log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = "postgres://postgres@127.0.0.1:5432/{name}"


def run(command: list[str], *, env: dict | None = None, log) -> str:
    """Run a step, echo and log its output, and return it; a failing step stops the run."""
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    output = done.stdout + done.stderr
    log.write(f"$ {' '.join(command)}\n{output}\n({time.perf_counter() - started:.1f} s)\n\n")
    log.flush()
    if done.returncode:
        sys.exit(f"failed ({done.returncode}):\n{output[-3000:]}")
    return output


def result(output: str) -> dict:
    return json.loads(next(line[7:] for line in reversed(output.splitlines()) if line.startswith("RESULT ")))


def fresh_database(name: str, log) -> str:
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], log=log)
    return PG.format(name=name)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) / 1024 / 1024
    postgres = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
                              capture_output=True, text=True).stdout.strip()
    import sqlite3

    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}, "
            f"PostgreSQL {postgres} (default configuration, 127.0.0.1), SQLite {sqlite3.sqlite_version} (WAL)")


def wrk_summary(output: str) -> list[dict]:
    """Per path: requests, req/s, p50/p90/p99 and errors from wrk --latency."""
    rows = []
    for block in output.split("== ")[1:]:
        path = block.splitlines()[0].strip()
        latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", block, flags=re.M))
        total = re.search(r"(\d+) requests in", block)
        rate = re.search(r"Requests/sec:\s+([\d.]+)", block)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", block)
        socket = re.search(r"Socket errors: (.*)", block)
        rows.append({"path": path, "requests": int(total.group(1)) if total else 0,
                     "rate": float(rate.group(1)) if rate else 0.0, **{f"p{k}": v for k, v in latency.items()},
                     "errors": (int(non_2xx.group(1)) if non_2xx else 0),
                     "socket_errors": socket.group(1).strip() if socket else "none"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes: check the script")
    parser.add_argument("--data", type=Path, default=Path("/tmp/dke-bench"))
    parser.add_argument("--log", type=Path, default=Path("/tmp/dke-bench/run_all.log"))
    parser.add_argument("--duration", default="30s", help="each load test's length")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args()
    small, large = (100_000, 200_000) if args.quick else (1_000_000, 5_000_000)
    args.data.mkdir(parents=True, exist_ok=True)
    log = args.log.open("a")
    started = dt.datetime.now()
    load = os.getloadavg()[0]
    folders = {}
    for size in (small, large):
        folder = folders[size] = args.data / f"{size}"
        if not (folder / "anmeldelser.csv").exists():
            run([PYTHON, "bench/generate.py", "--offences", str(size), "--out", str(folder), "--seed", "7"], log=log)
    pg_small = result(run([PYTHON, "bench/bench_import.py", "--data", str(folders[small])],
                          env={"DATABASE_URL": fresh_database("dke_bench_small", log)}, log=log))
    sqlite_path = args.data / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    lite_small = result(run([PYTHON, "bench/bench_import.py", "--data", str(folders[small])],
                            env={"DATABASE_URL": f"sqlite:///{sqlite_path}"}, log=log))
    large_url = fresh_database("dke_bench", log)
    pg_large = result(run([PYTHON, "bench/bench_import.py", "--data", str(folders[large])],
                          env={"DATABASE_URL": large_url}, log=log))
    figures = result(run([PYTHON, "bench/bench_figures.py"], env={"DATABASE_URL": large_url}, log=log))
    loadtest = wrk_summary(run(["bash", "bench/loadtest.sh"], env={
        "DATABASE_URL": large_url, "CACHE_URL": "redis://127.0.0.1:6379/3", "LOAD_USER": "bench",
        "LOAD_CREATE_USER": "1", "DURATION": args.duration}, log=log))
    section = report(started=started, load=load, sizes=(small, large), pg_small=pg_small, lite_small=lite_small,
                     pg_large=pg_large, figures=figures, loadtest=loadtest,
                     minutes=(dt.datetime.now() - started).total_seconds() / 60)
    print(section)
    if not args.no_write:
        with (ROOT / "bench" / "RESULTS.md").open("a") as results:
            results.write("\n" + section)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _import_row(label: str, r: dict) -> str:
    o, c, q = r["offences"], r["charges"], r["quarter re-import"]
    new = r.get("new quarter")
    return (f"| {label} | {o['rows']:,} | {o['seconds']:.1f} s | {_n(o['rows_per_s'])} | {c['seconds']:.1f} s "
            f"({_n(c['rows_per_s'])}/s) | {q['seconds']:.2f} s ({q['rows']:,} rows) | "
            + (f"{new['seconds']:.2f} s ({new['rows']:,} rows) | " if new else "– | ")
            + f"{_peak_rss(r)} MB |")


def _peak_rss(r: dict) -> int:
    """The peak RSS of the whole benchmark process (each step reports the peak so far)."""
    return max(step["peak_rss_mb"] for step in r.values() if isinstance(step, dict) and "peak_rss_mb" in step)


def _floor_bound(r: dict, size: int) -> list[str]:
    """Where the offence import's time went, and the ratio it could not go below even if reading and
    checking the rows cost no more than the bare ``\\copy``: the database's own work after the rows are in."""
    phases, floor = r["offences"].get("phases"), r["bare_copy_seconds"]
    if not phases:
        return []
    after = phases["keys and indexes"] + phases["derived tables"]
    return [
        f"Where the {size:,}-offence import's {r['offences']['seconds']:.1f} s went (`StatementPhases` in "
        "`bench/bench_import.py`): " + "; ".join(f"{kind} {seconds:.2f} s" for kind, seconds in phases.items())
        + f". The natural key, the indexes and the aggregate table alone take {after:.2f} s, "
        f"{after / floor:.1f}× the floor: with the rows read, checked and loaded as fast as the bare `\\copy` itself, "
        f"the import would still take **{(floor + after) / floor:.1f}× the floor**.",
        "",
        *_cpu_bound(r),
    ]


def _cpu_bound(r: dict) -> list[str]:
    """The import's work in CPU seconds against the floor's: even spread over every core without a gap, it
    could not take less than its CPU seconds divided by the cores."""
    offences, floor_cpu = r["offences"], r.get("bare_copy_cpu_seconds")
    if "cpu_seconds" not in offences or not floor_cpu:
        return []
    cores = os.cpu_count() or 1
    bound = offences["cpu_seconds"] / cores
    return [
        f"CPU (the machine's busy seconds over all {cores} cores while each ran): the bare `\\copy` "
        f"{floor_cpu:.2f} s, the import {offences['cpu_seconds']:.2f} s, of which {offences['python_cpu_seconds']:.2f} s in "
        f"the Python process. Spread over the {cores} cores without a gap, the import could not take less than "
        f"{bound:.2f} s, **{bound / r['bare_copy_seconds']:.1f}× the floor**; 2× the floor leaves "
        f"{2 * r['bare_copy_seconds'] * cores:.2f} CPU seconds for all of its work.",
        "",
    ]


def report(*, started, load, sizes, pg_small, lite_small, pg_large, figures, loadtest, minutes) -> str:
    small, large = sizes
    ratio = pg_small["offences"]["seconds"] / pg_small["bare_copy_seconds"]
    ratio_large = pg_large["offences"]["seconds"] / pg_large["bare_copy_seconds"]
    lines = [
        f"## {started:%Y-%m-%d}: every benchmark in one run (`bench/run_all.py`)",
        f"Machine: {machine()}. Started {started:%H:%M}, took {minutes:.0f} min; load average "
        f"{load:.2f} at the start (nothing else ran). Data: `bench/generate.py --seed 7`.",
        "",
        "**Import** (`bench/bench_import.py`: an empty schema with the reference data, then offences, charges, "
        "the 4th quarter of 2025 again (unchanged), and a new quarter whose offences include late-reported ones "
        "from the ten years before (`new_quarter_extract`), all from disk; peak RSS of the whole process):",
        "",
        "| run | offences | offences import | rows/s | charges | quarter re-import | new quarter | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
        _import_row(f"PostgreSQL {small:,}", pg_small),
        _import_row(f"SQLite {small:,}", lite_small),
        _import_row(f"PostgreSQL {large:,}", pg_large),
        "",
        f"Floor, `psql \\copy` of the same offences file into a bare table: {pg_small['bare_copy_seconds']:.2f} s at "
        f"{small:,}, {pg_large['bare_copy_seconds']:.2f} s at {large:,}. **Import / floor: {ratio:.1f}× at {small:,} "
        f"(PostgreSQL), {ratio_large:.1f}× at {large:,}.** SQLite: **{_n(lite_small['offences']['rows_per_s'])} "
        f"offences/s**. Peak RSS at {large:,}: **{_peak_rss(pg_large)} MB**.",
        "",
        *_floor_bound(pg_small, small),
        f"**Figures** (`bench/bench_figures.py`, PostgreSQL, {figures['offences']:,} offences, Albertslund "
        f"({figures['albertslund']:,} of them) 2016–2025, median of 5; \"computed\" with an empty cache; timed after "
        f"the vacuum of the derived tables that the warming job runs after each import, "
        f"{figures.get('vacuum_s', 0)} s, and of the offences and charges, so the raw GROUP BYs are at their "
        "fastest too):",
        "",
        "| figure | raw SQL GROUP BY | computed | ratio | cached |",
        "|---|---|---|---|---|",
        *[f"| {slug} | {f['raw_ms']:,.1f} ms | {f['computed_ms']:,.1f} ms | {f['ratio']:.2f} | {f['cached_ms']:.1f} ms |"
          for slug, f in figures["figures"].items()],
        "",
        f"**Dashboard, server time** at {figures['offences']:,} offences (Django test client, logged in, "
        "median of 5): default page `/kommune/165/` "
        f"**{figures['dashboard_after_warming_ms']} ms** as the first visitor after an import finds it (the import "
        f"warms it), {figures['dashboard_cached_ms']} ms cached, {figures['dashboard_cold_ms']} ms with an empty "
        f"cache; ten years (`?period_from=2016&period_to=2025`) {figures['dashboard_ten_years_cached_ms']} ms "
        f"cached, {figures['dashboard_ten_years_cold_ms']} ms with an empty cache"
        + (f"; one district chosen on the default page (a view nobody opened before) "
           f"{figures['dashboard_district_chosen_ms']} ms." if "dashboard_district_chosen_ms" in figures else "."),
        "",
        "**Load test** (`bench/loadtest.sh`: gunicorn 3 workers, Redis cache, wrk 2 threads × 50 connections, "
        "logged in, on the same 2 cores as PostgreSQL and wrk):",
        "",
        "| path | requests | req/s | p50 | p90 | p99 | non-2xx | socket errors |",
        "|---|---|---|---|---|---|---|---|",
        *[f"| `{r['path']}` | {r['requests']:,} | {r['rate']:.1f} | {r.get('p50', '?')} | {r.get('p90', '?')} | "
          f"**{r.get('p99', '?')}** | {r['errors']} | {r['socket_errors']} |" for r in loadtest],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
