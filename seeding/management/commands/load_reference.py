from django.core.management.base import BaseCommand

from seeding.reference import reference_load


class Command(BaseCommand):
    help = (
        "Indlæser referencedata (idempotent): de 98 kommuner med DST-koder, kommunegrupper, "
        "politikredse, grænser og kvartalsvise befolkningstal; Albertslunds bydele og vejtabel; "
        "standard-gerningstyper med koderegler."
    )

    def handle(self, *args, **options):
        summary = reference_load()
        for note in summary.notes:
            self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS(f"Referencedata indlæst: {summary}"))
