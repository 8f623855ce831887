import datetime as dt
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from districts.models import Municipality
from importers.models import ImportBatch
from importers.parsers.common import parse_date
from importers.services import file_import

KINDS = ["auto", "offences", "charges", "police", "population", "dst", "streets", "boundaries",
         "categories", "metrics", "komgrp", "mun_bounds"]


class Command(BaseCommand):
    help = (
        "Indlæser én fil (politiudtræk, befolkning, DST, vejtabel, grænser, gerningstyper, nøgletal, "
        "kommunegrupper, kommunegrænser). "
        "Filen valideres helt før noget gemmes; afvises den, skrives intet og exit-status er 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", default="auto", choices=KINDS)
        parser.add_argument("--municipality", help="kommunekode, fx 165")
        parser.add_argument("--replace-period", help="FRA:TIL, fx 01-01-2017:31-12-2017")
        parser.add_argument("--dst-table", help="DST-tabel, fx STRAF11 (STRAF11, STRAF22 og FOLK1A kendes med "
                            "variable, koder og etiketter; fixtures/dst/meta)")
        parser.add_argument("--dst-fixed", nargs="*", default=[], metavar="VAR=KODE",
                            help="værdien af en variabel, der ikke har sin egen kolonne i filen (der var valgt én "
                                 "værdi), fx OVERTRÆD=TOT; koden eller DST's etiket")
        parser.add_argument("--boundary-property", help="egenskaben med bydelsnavnet (eller kommunenavnet) i GeoJSON")
        parser.add_argument("--dry-run", action="store_true", help="valider kun; gem intet")
        parser.add_argument("--user", help="brugernavn, der står på kørslen")

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        if not path.is_file():
            raise CommandError(f"Filen {path} findes ikke.")
        municipality = None
        if opts["municipality"]:
            municipality = Municipality.objects.filter(code=opts["municipality"].zfill(3)).first()
            if municipality is None:
                raise CommandError(f"Ukendt kommunekode {opts['municipality']}.")
        user = None
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"Ukendt bruger {opts['user']}.")
        options = {
            "replace_period": _replace_period(opts["replace_period"]),
            "dst_table": opts["dst_table"],
            "dst_fixed": dict(_fixed(v) for v in opts["dst_fixed"]),
            "boundary_property": opts["boundary_property"],
        }
        options = {k: v for k, v in options.items() if v}
        result = file_import(
            path=path, file_name=path.name, kind=opts["kind"], municipality=municipality, user=user,
            options=options, dry_run=opts["dry_run"], progress=self._progress_bar(),
        )
        if sys.stdout.isatty():
            self.stdout.write("")
        batch = result.batch
        self.stdout.write(
            f"Kørsel #{batch.pk}: {result.kind} · {batch.file_name} · {batch.get_status_display()}\n"
            f"  rækker læst {result.rows_read}, oprettet {result.rows_created}, opdateret {result.rows_updated}, "
            f"uændret {result.rows_unchanged}, fjernet {result.rows_removed}, afvist {result.rows_rejected}"
            + (f"\n  periode {result.period_from:%d-%m-%Y} – {result.period_to:%d-%m-%Y}" if result.period_from else "")
            + f"\n  varighed {batch.duration_seconds or 0:.2f} s"
        )
        for warning in result.warnings:
            self.stdout.write(f"  Advarsel: {warning}")
        if batch.status == ImportBatch.Status.UNCHANGED:  # the same file again: nothing to do, nothing wrong
            self.stdout.write(self.style.WARNING(result.message))
            return
        if not result.ok:
            for problem in result.errors:
                where = f"række {problem.row}" if problem.row else "filen"
                column = f", kolonne '{problem.column}'" if problem.column else ""
                value = f", værdi '{problem.value}'" if problem.value else ""
                self.stderr.write(f"  Fejl i {where}{column}{value}: {problem.cli_reason or problem.reason}")
            if result.error_total > len(result.errors):
                self.stderr.write(f"  … og {result.error_total - len(result.errors)} fejl mere.")
            raise CommandError(result.cli_message or result.message, returncode=1)
        self.stdout.write(self.style.SUCCESS(result.message))

    def _progress_bar(self):
        if not sys.stdout.isatty():
            return None

        def show(done: int, total: int) -> None:
            width = 30
            filled = int(width * done / max(total, 1))
            sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stdout.flush()

        return show


def _replace_period(text: str | None):
    if not text:
        return None
    try:
        start_text, end_text = text.split(":")
        start, end = parse_date(start_text), parse_date(end_text)
    except ValueError as exc:
        raise CommandError(f"--replace-period skal være FRA:TIL, fx 01-01-2017:31-12-2017 ({exc}).") from exc
    if not start or not end or end < start:
        raise CommandError("--replace-period: slutdatoen skal ligge efter startdatoen.")
    return (start.isoformat(), end.isoformat()) if isinstance(start, dt.date) else None


def _fixed(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise CommandError(f"--dst-fixed skal have formen VAR=KODE, fx OVERTRÆD=TOT (fik '{text}').")
    var, code = text.split("=", 1)
    return var.strip().upper(), code.strip()
