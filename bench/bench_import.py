"""Import speed: police extracts through file_import, against the floor of a bare \\copy.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dke_bench python bench/bench_import.py --offences 100000

Creates a fresh schema (migrate + load_reference), generates the extract with
bench/generate.py (or takes --data), imports offences then charges from disk (streamed when
larger than IMPORT_STREAM_BYTES), then re-imports the last quarter as an analyst would and
imports a new quarter (``new_quarter_extract``), and prints seconds, rows/s, peak RSS and where
the time went (``StatementPhases``). On PostgreSQL it first times psql \\copy of the same
offences file into a bare table: the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")


def quarter_extract(source: Path, target: Path, *, months: tuple[str, ...] = ("10", "11", "12"),
                    year: str = "2025") -> int:
    """The rows of one quarter (by report date) of a generated extract: what an analyst uploads each quarter."""
    count = 0
    with source.open("rb") as handle, target.open("wb") as out:
        out.write(handle.readline())
        for line in handle:
            date = line.split(b";", 3)[2]
            if date[6:10] == year.encode() and date[3:5].decode() in months:
                out.write(line)
                count += 1
    return count


def new_quarter_extract(source: Path, target: Path, *, late_every: int = 50) -> int:
    """A new quarter's offences, as the next quarterly upload brings them: the rows of 4th quarter 2025
    again under new journal numbers, reported 13 weeks later (1st quarter 2026), and every
    ``late_every``-th of them an offence committed 1–10 years before it was reported (fraud and
    sexual offences are often reported late), so the file's offence dates reach back ten years."""
    count = 0
    with source.open("rb") as handle, target.open("wb") as out:
        out.write(handle.readline())
        for line in handle:
            cells = line.split(b";")
            date = cells[2]
            if not (date[6:10] == b"2025" and date[3:5] in (b"10", b"11", b"12")):
                continue
            reported = dt.datetime.strptime(date.decode(), "%d-%m-%Y").date() + dt.timedelta(weeks=13)
            if count % late_every == 0:
                committed = reported - dt.timedelta(days=365 * (1 + count // late_every % 10) + count * 7 % 365)
            elif cells[3]:
                committed = dt.datetime.strptime(cells[3].decode(), "%d-%m-%Y").date() + dt.timedelta(weeks=13)
            else:
                committed = None
            cells[0] = b"0401" + cells[0][4:]  # another police circle's numbers: new offences
            cells[2] = reported.strftime("%d-%m-%Y").encode()
            cells[3] = committed.strftime("%d-%m-%Y").encode() if committed else b""
            out.write(b";".join(cells))
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offences", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="a folder bench/generate.py wrote (else generated here)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from importers.services import file_import

    out, counts = fresh_database(data=args.data, offences=args.offences, seed=args.seed)
    results: dict = {"engine": connection.vendor, **counts}
    if connection.vendor == "postgresql":
        busy = machine_busy()
        results["bare_copy_seconds"] = round(bare_copy(connection.settings_dict, out / "anmeldelser.csv"), 2)
        results["bare_copy_cpu_seconds"] = round(machine_busy() - busy, 2)
    quarter = out / "kvartal.csv"
    results["quarter_rows"] = quarter_extract(out / "anmeldelser.csv", quarter)
    results["new_quarter_rows"] = new_quarter_extract(out / "anmeldelser.csv", out / "nyt_kvartal.csv")
    for label, name in (("offences", "anmeldelser.csv"), ("charges", "sigtelser.csv"),
                        ("quarter re-import", "kvartal.csv"), ("new quarter", "nyt_kvartal.csv")):
        phases = StatementPhases()
        started, busy, own = time.perf_counter(), machine_busy(), _own_cpu()
        with connection.execute_wrapper(phases):
            result = file_import(path=out / name, file_name=name)
        seconds = time.perf_counter() - started
        cpu = {"cpu_seconds": round(machine_busy() - busy, 2), "python_cpu_seconds": round(_own_cpu() - own, 2)}
        assert result.ok, result.errors[:3]
        results[label] = {"seconds": round(seconds, 2), "rows": result.rows_read,
                          "rows_per_s": round(result.rows_read / seconds), "created": result.rows_created,
                          "unchanged": result.rows_unchanged,
                          "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                          "phases": phases.seconds(total=seconds), **cpu}
    if "bare_copy_seconds" in results:
        results["ratio_vs_copy"] = round(results["offences"]["seconds"] / results["bare_copy_seconds"], 1)
    print(results)
    print("RESULT " + json.dumps(results))  # for bench/run_all.py


def fresh_database(*, data: Path | None, offences: int, seed: int) -> tuple[Path, dict]:
    """A migrated, emptied database with the reference data, and the folder of the extract to load: ``data``
    as given, else one generated there with ``offences`` rows (after ``django.setup()``)."""
    from django.core.management import call_command

    from bench.generate import generate

    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    call_command("load_reference", verbosity=0)
    out = data or Path(tempfile.mkdtemp(prefix="dke-bench-"))
    return out, ({"offences": offences} if data else generate(offences=offences, out=out, seed=seed))


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every core, every process: Python, PostgreSQL, psql).
    The difference over a step is the work it cost, whatever ran it; nothing else should run meanwhile."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class StatementPhases:
    """An execute wrapper that sums the time of the statements of each kind an import runs.

    What is left of the import's time is reading, checking and loading the rows: Python, and the
    COPY that runs beside it (on its own cursor, so not seen here).
    """

    KINDS = (  # (phase, what a statement starts with or names); the first that matches counts
        ("keys and indexes", ("CREATE INDEX", "CREATE UNIQUE INDEX", "ALTER TABLE")),
        ("derived tables", ("reports_offenceaggregate", "reports_chargefact", "added_groups")),
        ("planner statistics", ("ANALYZE",)),
    )

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = next((phase for phase, marks in self.KINDS
                         if any(sql.startswith(m) or (m.islower() and m in sql) for m in marks)), "other SQL")
            self.totals[kind] = self.totals.get(kind, 0.0) + time.perf_counter() - started

    def seconds(self, *, total: float) -> dict[str, float]:
        phases = {kind: round(self.totals.get(kind, 0.0), 2) for kind, _marks in self.KINDS}
        phases["other SQL"] = round(self.totals.get("other SQL", 0.0), 2)
        phases["rows read, checked and loaded"] = round(total - sum(self.totals.values()), 2)
        return phases


def bare_copy(settings: dict, path: Path) -> float:
    """psql \\copy of the offences file into a bare table with the same columns: the floor."""
    target = ["-h", settings["HOST"] or "127.0.0.1", "-U", settings["USER"] or "postgres", "-d", settings["NAME"]]
    subprocess.run(["psql", *target, "-qc", "DROP TABLE IF EXISTS bare; CREATE TABLE bare (journal text, forhold int, "
                    "report_date date, offence_date date, code text, code_text text, address text, postcode text, "
                    "municipality text, district text, initiative text)"], check=True)
    started = time.perf_counter()
    subprocess.run(["psql", *target, "-qc", f"\\copy bare FROM '{path}' WITH (FORMAT csv, "
                    "DELIMITER ';', HEADER true, ENCODING 'WIN1252')"], check=True,
                   env={**os.environ, "PGOPTIONS": "-c datestyle=ISO,DMY"})
    seconds = time.perf_counter() - started
    subprocess.run(["psql", *target, "-qc", "DROP TABLE bare"], check=True)
    return seconds


if __name__ == "__main__":
    main()
