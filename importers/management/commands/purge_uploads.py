"""Delete previewed uploads that were never confirmed (run it from cron, e.g. hourly)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from importers.services.lifecycle import uploads_purge


class Command(BaseCommand):
    help = "Sletter uploadede filer, der har ventet på godkendelse længere end IMPORT_UPLOAD_KEEP_HOURS."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None,
                            help=f"alder i timer (standard {settings.IMPORT_UPLOAD_KEEP_HOURS:g})")

    def handle(self, *args, hours=None, **options):
        removed = uploads_purge(hours=hours)
        self.stdout.write(f"{removed} uploadede filer slettet.")
