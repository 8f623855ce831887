import sys

from django.core.management.base import BaseCommand, CommandError

from districts.models import Municipality
from reports import exporters
from reports.figures import EXTRA_TABLES, FIGURES
from reports.services import FigureError, figure_table, intervals_after_suppression


class Command(BaseCommand):
    help = "Skriver en figurs data (samme tal som siden og diagrammet) som CSV, JSON eller XLSX."

    def add_arguments(self, parser):
        parser.add_argument("slug", help=", ".join([*FIGURES, *EXTRA_TABLES]))
        parser.add_argument("--municipality", required=True, help="kommunekode, fx 165")
        parser.add_argument("--period", required=True, help="2016, 2016H2 eller 2016K3")
        parser.add_argument("--to", help="sidste periode i en serie af samme slags")
        parser.add_argument("--categories", help="kommasepareret, fx tyveri,vold")
        parser.add_argument("--date-basis", default="report", choices=["report", "offence"])
        parser.add_argument("--peers", help="kommuner ved kode eller navn (101,Ishøj), en KOMGRP-gruppe eller en "
                                             "politikreds ved navn, 000 for hele landet")
        parser.add_argument("--format", default="csv", choices=["csv", "json", "xlsx"])
        parser.add_argument("--output", help="fil; ellers standard output")
        parser.add_argument("--public", action="store_true", help="skjul små tal som i offentlig visning")
        parser.add_argument("--intervals", action="store_true",
                            help="tilføj usikkerhed: 95 %%-intervaller og p-værdi for ændringen (domain.md)")

    def handle(self, *args, **opts):
        municipality = Municipality.objects.filter(code=opts["municipality"].zfill(3)).first()
        if municipality is None:
            raise CommandError(f"Ukendt kommunekode {opts['municipality']}.")
        categories = [c.strip() for c in opts["categories"].split(",")] if opts["categories"] else None
        extra = EXTRA_TABLES.get(opts["slug"])  # another app's table (the comparison), which takes --peers
        errors: tuple[type[Exception], ...] = (FigureError, *(extra.errors if extra is not None else ()))
        try:
            if extra is not None and opts["peers"]:
                table = extra.compute(municipality=municipality, period=opts["period"], to=opts["to"],
                                      categories=categories, peers=opts["peers"])
                if opts["intervals"]:
                    table = intervals_after_suppression(table, slug=opts["slug"])
            else:
                table = figure_table(
                    slug=opts["slug"], municipality=municipality, period=opts["period"], to=opts["to"],
                    categories=categories, date_basis=opts["date_basis"], public=opts["public"],
                    intervals=opts["intervals"],
                )
        except errors as exc:
            raise CommandError(str(exc)) from exc
        data = exporters.export(table, opts["format"], sheet=opts["slug"])
        if opts["output"]:
            with open(opts["output"], "wb") as handle:
                handle.write(data)
            self.stderr.write(f"{len(table)} rækker skrevet til {opts['output']}")
        elif opts["format"] == "xlsx":
            sys.stdout.buffer.write(data)
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
