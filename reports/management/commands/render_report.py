from django.core.management.base import BaseCommand, CommandError

from districts.models import Municipality
from reports.halfyear.render import report_pdf
from reports.halfyear.services import report_create
from reports.models import HalfYearReport


class Command(BaseCommand):
    help = "Skriver halvårsrapporten som PDF (den nyeste rapport for kommune og periode, ellers en ny skabelon)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--period", required=True, help="fx 2017H2")
        parser.add_argument("--output", required=True)
        parser.add_argument("--report", type=int, help="id på en bestemt rapport")

    def handle(self, *args, **opts):
        municipality = Municipality.objects.filter(code=opts["municipality"].zfill(3)).first()
        if municipality is None:
            raise CommandError(f"Ukendt kommunekode {opts['municipality']}.")
        reports = HalfYearReport.objects.filter(municipality=municipality)
        if opts["report"]:
            report = reports.filter(pk=opts["report"]).first()
            if report is None:
                raise CommandError(f"Rapport {opts['report']} findes ikke for {municipality.name}.")
        else:
            report = reports.filter(period=opts["period"]).order_by("-updated_at").first()
            if report is None:
                report = report_create(municipality=municipality, period=opts["period"])
                self.stderr.write(f"Ingen rapport for {opts['period']}: en ny fra skabelonen er oprettet (#{report.pk}).")
        pdf, seconds = report_pdf(report)
        with open(opts["output"], "wb") as handle:
            handle.write(pdf)
        self.stdout.write(self.style.SUCCESS(f"{opts['output']}: {len(pdf) / 1024:.0f} kB på {seconds:.1f} s."))
