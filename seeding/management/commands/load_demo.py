import time

from django.core.management.base import BaseCommand

from seeding.demo import demo_load
from seeding.reference import reference_load


class Command(BaseCommand):
    help = "Indlæser referencedata og et syntetisk demodatasæt (samme data for samme --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Frø for tilfældige tal (standard 1).")

    def handle(self, *args, seed: int, **options):
        started = time.perf_counter()
        reference = reference_load()
        self.stdout.write(f"Referencedata: {reference}")
        summary = demo_load(seed=seed)
        self.stdout.write(self.style.SUCCESS(
            f"Demodata (seed {seed}): {summary} på {time.perf_counter() - started:.1f} s. "
            "Log ind som demo / demo-kode1234."
        ))
