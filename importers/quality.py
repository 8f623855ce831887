"""What the data-quality page lists. Plain functions over the database, tested without HTTP."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, Min
from django.db.models.functions import ExtractYear

from districts.addresses import address_split
from districts.models import District, Municipality, PopulationCount
from districts.population import population_on
from reports.models import CategoryCode, Charge, OffenceCode, ReportedOffence
from reports.periods import Period


@dataclass
class UnmappedCode:
    code: str
    text: str
    offences: int


@dataclass
class UnknownStreet:
    street: str
    offences: int
    example: str


def unmapped_codes(*, municipality: Municipality) -> list[UnmappedCode]:
    mapped = set(CategoryCode.objects.filter(source="politi").values_list("code", flat=True))
    texts = dict(OffenceCode.objects.filter(source="politi").values_list("code", "text"))
    rows = (ReportedOffence.objects.filter(municipality=municipality).values("code").annotate(n=Count("id"))
            .order_by("-n", "code"))
    return [UnmappedCode(r["code"], texts.get(r["code"], ""), r["n"]) for r in rows if r["code"] not in mapped]


def unknown_district_streets(*, municipality: Municipality, limit: int = 200) -> list[UnknownStreet]:
    if not District.objects.filter(municipality=municipality).exists():
        return []
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for address in ReportedOffence.objects.filter(municipality=municipality, district__isnull=True).values_list(
        "address", flat=True
    ).iterator(chunk_size=5000):
        street = address_split(address)[0] or "(ingen adresse)"
        counts[street] += 1
        examples.setdefault(street, address)
    return [UnknownStreet(s, n, examples[s]) for s, n in counts.most_common(limit)]


def orphan_charges(*, municipality: Municipality | None = None, limit: int = 100) -> tuple[int, list[dict]]:
    """Charges whose offence has not arrived (they carry no municipality of their own)."""
    orphans = Charge.objects.filter(offence__isnull=True)
    rows = list(orphans.values("journal_number", "forhold").annotate(n=Count("id")).order_by("journal_number")[:limit])
    return orphans.count(), rows


def population_gaps(*, municipality: Municipality, kind: str = "Y") -> list[tuple[str, str]]:
    """(district, period) where offences exist but the mid-period population is missing."""
    span = ReportedOffence.objects.filter(municipality=municipality).aggregate(first=Min("report_date"),
                                                                               last=Max("report_date"))
    if not span["first"]:
        return []
    counts: dict[int | None, list] = defaultdict(list)
    for district_id, day, count in PopulationCount.objects.filter(
        municipality=municipality, sex="", age_from=0, age_to=125
    ).values_list("district_id", "date", "count"):
        counts[district_id].append((day, count))
    years = sorted(set(ReportedOffence.objects.filter(municipality=municipality).annotate(
        report_year=ExtractYear("report_date")).values_list("report_year", flat=True).distinct()))
    gaps = []
    areas: list[tuple[int | None, str]] = [(d.pk, d.name) for d in District.objects.filter(municipality=municipality)] or [(None, municipality.name)]
    for year in years:
        period = Period(year) if kind == "Y" else Period(year, kind)
        for pk, name in areas:
            if population_on(counts.get(pk, []), period.midpoint) is None:
                gaps.append((name, str(period)))
    return gaps
