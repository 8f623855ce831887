"""Fill the figure caches with every municipality's default dashboard (after a command-line import)."""

from django.core.management.base import BaseCommand

from reports.warm import dashboards_warm


class Command(BaseCommand):
    help = ("Beregner standardvisningen af hver kommunes dashboard, så første besøgende efter en indlæsning "
            "får den fra cachen. Giver kun mening med en delt cache (CACHE_URL, Redis).")

    def add_arguments(self, parser):
        parser.add_argument("--municipality", action="append", dest="codes", metavar="KODE",
                            help="kun denne kommune (kan gentages)")

    def handle(self, *args, codes=None, **options):
        seconds = dashboards_warm(codes=codes)
        for code, taken in seconds.items():
            self.stdout.write(f"{code}: {taken:.2f} s")
        self.stdout.write(f"{len(seconds)} dashboards forberedt.")
