"""The demo: synthetic data for Albertslund and its police district (``generate``), DST series and indicators
(``comparisons.demo``), a draft half-year report and one login per role. ``demo_load`` replaces it whole.
"""

from __future__ import annotations

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.demo import demo_users_create
from comparisons.demo import demo_dst_create, demo_indicators_create, demo_population_extend
from comparisons.models import DstValue
from districts.models import District, Municipality, PopulationCount
from importers.models import ImportBatch
from reports.aggregates import aggregates_refresh
from reports.halfyear.services import report_create
from reports.models import (
    ActivityFigure,
    CategoryCode,
    Charge,
    HalfYearReport,
    OffenceAggregate,
    ReportedOffence,
)

from .generate import (
    CATEGORY_CODES,
    LAST_YEAR,
    DemoSummary,
    _Journal,
    activity_generate,
    charges_generate,
    offences_generate,
    others_generate,
    population_generate,
)

DEMO_FILE = "demo"
DEMO_PASSWORD = "demo-kode1234"  # noqa: S105 - documented demo login, demo data only

# The demo report's own words (made up for the demo, shaped like DKE's half-year report): a report a manager can
# read through and publish, rather than the template's instructions.
DEMO_TEXTS = {
    "Det proaktive område": (
        "På det proaktive område koordineres, udvikles og implementeres tiltag, der forebygger kriminalitet på "
        "længere sigt ved at gøre den enkelte, fællesskaberne og lokalmiljøerne mere robuste. I halvåret har tre "
        "projekter været i gang: genoprettende praksis i udskolingerne, den kriminalpræventive læreplan og "
        "områdevandringer.\n\n"
        "**Genoprettende praksis.** Udskolingsmedarbejdere, skoleledere og en klubleder har gennemført første del "
        "af en specialuddannelse i genoprettende processer. Fra næste skoleår bruges metoden i alle udskolinger, og "
        "projektet evalueres af eksterne evaluatorer.\n\n"
        "**Den kriminalpræventive læreplan** er obligatorisk fra 0. til 10. klasse. Skolerne har taget godt imod "
        "den, og enheden har undervist syv 4. klasser i konflikthåndtering.\n\n"
        "**Områdevandringer.** Sammen med afdelingsbestyrelsen, det boligsociale center og boligselskabet "
        "planlægges en områdevandring med fokus på belysning, oversigtsforhold, hærværk og affald – de forhold, "
        "der skaber utryghed."
    ),
    "Det reaktive område": (
        "På det reaktive område forebygges kriminalitet og tilbagefald ved, sammen med andre myndigheder, at "
        "afklare den enkelte borgers behov, lægge kriminalpræventive handleplaner og følge dem. Sagerne deles i tre "
        "niveauer efter bekymringsgrad.\n\n"
        "- **Niveau 1 – risikoadfærd:** ca. 120 sager om året, behandlet på månedlige koordinationsmøder på "
        "skolerne.\n"
        "- **Niveau 2 – kriminalitet:** 36 nye sager siden januar; 15 aktive mentorforløb, heraf fire med "
        "tilbagefald.\n"
        "- **Niveau 3 – kvalificeret kriminalitet:** tre nye sager siden januar.\n\n"
        "Samarbejdet med jobcentret og Kriminalforsorgen om den gode løsladelse fungerer, men enheden får ikke "
        "altid besked i god tid, før en borger løslades."
    ),
    "Det operative område": (
        "Et operativt team af kriminalpræventive pædagogiske medarbejdere er sikkerhedsnet for de børn, unge og "
        "voksne, der falder uden for de etablerede tilbud. Teamet besøger klubber og skoler fast og arbejder som "
        "mentorer i forlængelse af sagerne på det reaktive område.\n\n"
        "Sommeren har budt på ophold i udearealerne med lidt hærværk og affald inden for sæsonens norm. Der er "
        "iværksat en særlig indsats for to grupper af drenge på 10–13 og 14–16 år med fritidsjob, "
        "fritidsaktiviteter og tættere dialog med klubber og skoler."
    ),
    "Resumé": (
        "Anmeldelserne pr. 1.000 indbyggere er højest i Øster og lavest i Vester, og de fleste sigtede bor i "
        "kommunen selv. På det proaktive område er genoprettende praksis på vej i alle udskolinger; på det reaktive "
        "område er der oprettet 36 niveau 2- og tre niveau 3-sager; det operative team har 15 aktive "
        "mentorforløb."
    ),
    "Kontakt": (
        "For spørgsmål og kommentarer er I velkomne til at kontakte Den Kriminalpræventive Enhed, "
        "Nordmarks Allé 1, 2620 Albertslund, telefon 43 68 69 59."
    ),
}


def demo_report_create(municipality: Municipality, period: str = f"{LAST_YEAR}H2") -> HalfYearReport:
    """A draft half-year report from the standard template, its text sections written as a municipality would."""
    report = report_create(municipality=municipality, period=period)
    for section in report.sections.filter(title__in=DEMO_TEXTS):
        section.body = DEMO_TEXTS[section.title]
        section.save(update_fields=["body"])
    return report


def demo_clear() -> None:
    batches = ImportBatch.objects.filter(kind=ImportBatch.Kind.REFERENCE, file_name=DEMO_FILE)
    # Plain DELETEs: nothing else points at demo rows once their charges are gone, and
    # Django's cascade collector would load every row into Python first.
    demo_municipalities = set(ReportedOffence.objects.filter(batch__in=batches).values_list(
        "municipality_id", flat=True).distinct())
    OffenceAggregate.objects.filter(municipality_id__in=demo_municipalities).delete()
    for model in (Charge, ReportedOffence, PopulationCount, ActivityFigure, DstValue):
        queryset = model.objects.filter(batch__in=batches)
        queryset._raw_delete(queryset.db)
    HalfYearReport.objects.filter(title__startswith="Halvårsrapport", status="draft").delete()
    batches.delete()


@transaction.atomic
def demo_load(*, seed: int = 1) -> DemoSummary:
    """Replace the demo data with the data for ``seed`` (reference data must be loaded)."""
    demo_clear()
    rng = np.random.default_rng(seed)
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.REFERENCE, file_name=DEMO_FILE, status=ImportBatch.Status.DONE,
        options={"seed": seed},
    )
    municipalities = {m.code: m for m in Municipality.objects.all()}
    albertslund = municipalities["165"]
    districts = {d.name: d for d in District.objects.filter(municipality=albertslund)}
    categories_of = dict(
        CategoryCode.objects.filter(source="politi", category__slug__in=list(CATEGORY_CODES))
        .values_list("code", "category__slug")
    )
    summary = DemoSummary()

    demo_population_extend(last_year=LAST_YEAR, batch=batch)
    population = population_generate(rng, municipality=albertslund, districts=districts, batch=batch)
    PopulationCount.objects.bulk_create(population, batch_size=2000)
    summary.population = len(population)

    journal = _Journal()
    offences = offences_generate(rng, municipality=albertslund, districts=districts, journal=journal, batch=batch)
    others = [m for m in municipalities.values()
              if m.police_district == albertslund.police_district and m.code != "165"]
    latest = dict(
        PopulationCount.objects.filter(district__isnull=True, sex="", age_from=0, age_to=125)
        .order_by("date").values_list("municipality__code", "count")
    )
    offences += others_generate(rng, municipalities=others, population=latest, journal=journal, batch=batch)
    ReportedOffence.objects.bulk_create(offences, batch_size=5000)
    # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35
    summary.offences = len(offences)

    charges = charges_generate(rng, offences=offences, categories_of=categories_of,
                               municipalities=municipalities, home_districts=districts, batch=batch)
    Charge.objects.bulk_create(charges, batch_size=5000)
    summary.charges = len(charges)
    aggregates_refresh(municipality_ids={o.municipality_id for o in offences})

    activity = activity_generate(rng, municipality=albertslund, districts=districts, batch=batch)
    ActivityFigure.objects.bulk_create(activity)
    summary.activity = len(activity)

    batch.rows_read = batch.rows_created = summary.offences + summary.charges + summary.population
    batch.save(update_fields=["rows_read", "rows_created"])
    demo_dst_create(rng=rng, first_year=2016, last_year=LAST_YEAR, batch=batch)
    demo_indicators_create(albertslund)
    demo_report_create(albertslund)
    demo_user_create()
    demo_users_create(albertslund, password=DEMO_PASSWORD)
    return summary


def demo_user_create() -> None:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username="demo", defaults={"is_staff": True, "is_superuser": True, "email": "demo@example.dk"}
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()
