"""Rollback speed: a first load rolled back against the import it undoes, and a batch of updated rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dke_bench python bench/bench_rollback.py --data /tmp/1m

Creates a fresh schema (migrate + load_reference), imports the offences and then the charges of a
bench/generate.py extract (or generates one with --offences), then imports ``--updated`` offences
again with another offence code (every one of them an updated row, whose months are regrouped), and
rolls the three batches back newest first, timing each against the import it undoes:

1. the updated rows (the issue's goal: 50,000 in under 10 s);
2. the offences' first load while its charges are still there (they lose their offence and wait
   again, as after any rollback of offences: the case that ran for hours);
3. the charges' first load.

After the last one the offence, charge, aggregate and charge-fact tables must be empty, and after
the first every updated offence must have its old code back: the run stops if not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")

# (code, text) the updated rows get: a code every generated row has not got
RECODE = (b"75990", "Tyveri, omkodet".encode("cp1252"))


def updated_extract(source: Path, target: Path, *, rows: int) -> int:
    """The first ``rows`` offences of an extract again, each with another offence code: an analyst's
    recoding file, where every row updates a stored offence and moves it to another group."""
    count = 0
    with source.open("rb") as handle, target.open("wb") as out:
        out.write(handle.readline())
        for line in handle:
            if count == rows:
                break
            cells = line.split(b";")
            cells[4], cells[5] = RECODE
            out.write(b";".join(cells))
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offences", type=int, default=100_000)
    parser.add_argument("--updated", type=int, default=50_000, help="offences the recoding batch updates")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="a folder bench/generate.py wrote (else generated here)")
    parser.add_argument("--statements", type=int, default=0, help="print each step's N slowest statements")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from bench.bench_import import StatementPhases, fresh_database, machine_busy
    from importers.services import batch_rollback, file_import
    from reports.models import Charge, ChargeFact, OffenceAggregate, ReportedOffence

    out, _counts = fresh_database(data=args.data, offences=args.offences, seed=args.seed)
    recoded = Path(tempfile.mkdtemp(prefix="dke-bench-")) / "omkodet.csv"
    results: dict = {"engine": connection.vendor, "updated_rows": updated_extract(out / "anmeldelser.csv", recoded,
                                                                                 rows=args.updated)}

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT NULL")
        backend = cursor.fetchone()[0]

    def timed(label: str, action) -> object:
        phases, slowest = StatementPhases(), Slowest()
        started, busy, work = time.perf_counter(), machine_busy(), own_work(backend)
        with connection.execute_wrapper(phases), connection.execute_wrapper(slowest):
            outcome = action()
        seconds = time.perf_counter() - started
        for took, sql in sorted(slowest.statements, reverse=True)[:args.statements]:
            print(f"  {took:7.2f} s  {' '.join(sql.split())[:160]}")
        assert outcome.ok, getattr(outcome, "errors", None) or outcome.message
        results[label] = {"seconds": round(seconds, 2), "cpu_seconds": round(machine_busy() - busy, 2),
                          "own_cpu_seconds": round(own_work(backend) - work, 2), "load": round(os.getloadavg()[0], 1),
                          "phases": phases.seconds(total=seconds)}
        print(label, results[label], flush=True)
        return outcome

    batches = {}
    for label, path in (("offences", out / "anmeldelser.csv"), ("charges", out / "sigtelser.csv"),
                        ("updated", recoded)):
        result = timed(f"import {label}", lambda path=path: file_import(path=path, file_name=path.name))
        batches[label] = result.batch
        results[f"import {label}"] |= {"rows": result.rows_read, "created": result.rows_created,
                                       "updated": result.rows_updated}
    results["offences"] = ReportedOffence.objects.count()
    results["charges"] = Charge.objects.count()
    assert results["import updated"]["updated"] == results["updated_rows"], results["import updated"]

    timed("rollback updated", lambda: batch_rollback(batch=batches["updated"]))
    left = ReportedOffence.objects.filter(code=RECODE[0].decode()).count()
    assert left == 0, f"{left} offences kept the code the rolled-back batch gave them"
    timed("rollback offences", lambda: batch_rollback(batch=batches["offences"]))
    assert not ReportedOffence.objects.exists() and not Charge.objects.exclude(offence=None).exists()
    timed("rollback charges", lambda: batch_rollback(batch=batches["charges"]))
    for model in (ReportedOffence, Charge, OffenceAggregate, ChargeFact):
        assert not model.objects.exists(), f"{model.__name__} is not empty after every batch was rolled back"
    for label in ("offences", "charges", "updated"):
        results[f"ratio {label}"] = round(results[f"rollback {label}"]["seconds"] / results[f"import {label}"]["seconds"], 2)
    print(results)
    print("RESULT " + json.dumps(results))


def own_work(backend: int | None) -> float:
    """CPU seconds of this process and of its PostgreSQL backend: the step's own work, which other
    processes on a shared machine do not inflate (the wall-clock time they do)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    seconds = usage.ru_utime + usage.ru_stime
    if backend:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return seconds


class Slowest:
    """An execute wrapper that keeps each statement's time (``--statements``)."""

    def __init__(self) -> None:
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - started, sql))


if __name__ == "__main__":
    main()
