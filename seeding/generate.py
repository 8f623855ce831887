"""Synthetic but believable demo data, seeded: the same seed gives the same rows (the generators; ``demo``
writes them).

Albertslund (165) gets offences 2007–last year for its three districts, shaped like the DKE
half-year report 2H2017 (falling over time, Lund highest per 1,000 and Vester lowest),
charges whose residences spread like its figure 8, district population per quarter
consistent with the real FOLK1A totals, and activity figures. The other ten
municipalities of Københavns Vestegns Politi get municipality-level offences for recent
years so police-district views have data. Generated with numpy, written in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from common.persons import person_id_key
from districts.models import District, Municipality, PopulationCount
from importers.models import ImportBatch
from reports.models import ActivityFigure, Charge, ReportedOffence

FIRST_YEAR = 2007
LAST_YEAR = 2025  # "last year" as of the demo's making; data runs to its 31 December
OTHERS_FIRST_YEAR = 2023

# Reports per year of the four DKE categories together, by district: (year, count) knots,
# interpolated linearly (the report: Lund 1000 → 500, Øster ~950 → 500, Vester 400 → 200).
TRAJECTORY = {
    "Lund": [(2007, 930), (2008, 1000), (2012, 820), (2016, 640), (2017, 560), (2025, 420)],
    "Øster": [(2007, 860), (2009, 950), (2012, 900), (2013, 780), (2016, 625), (2017, 540), (2025, 400)],
    "Vester": [(2007, 390), (2011, 410), (2014, 300), (2016, 255), (2017, 210), (2025, 170)],
}
# Share of the municipality's residents by district (sums to 1).
RESIDENT_SHARE = {"Vester": 0.315, "Øster": 0.355, "Lund": 0.33}
# Category mix per district: theft most, then burglary, narcotics, violence (fig. 4).
MIX = {
    "Lund": {"tyveri": 0.50, "indbrud": 0.20, "narko": 0.17, "vold": 0.13},
    "Øster": {"tyveri": 0.45, "indbrud": 0.28, "narko": 0.16, "vold": 0.11},
    "Vester": {"tyveri": 0.38, "indbrud": 0.35, "narko": 0.12, "vold": 0.15},
}
CATEGORY_CODES = {
    "tyveri": (["75110", "75120", "75130", "75140", "75190"], [0.2, 0.3, 0.2, 0.05, 0.25]),
    "indbrud": (["75310", "75320", "75330"], [0.6, 0.25, 0.15]),
    "narko": (["84110", "84120", "72411"], [0.7, 0.2, 0.1]),
    "vold": (["73241", "73251", "73211"], [0.75, 0.2, 0.05]),
}
OTHER_CODES = (["71100", "78110", "73291", "76319", "61600", "61615", "75910"],
               [0.3, 0.3, 0.12, 0.05, 0.1, 0.08, 0.05])
OTHER_SHARE = 0.35  # other codes, on top of the four categories
CHARGE_PROBABILITY = {"narko": 0.85, "vold": 0.5, "tyveri": 0.1, "indbrud": 0.05, "other": 0.12}
# Where charged persons live (fig. 8 of the report), as weights.
RESIDENCE = {
    "165": 118, "101": 44, "169": 20, "187": 14, "153": 7, "159": 7, "183": 6, "161": 5,
    "167": 5, "151": 3, "175": 3, "163": 1, "other": 25, None: 12,
}
HOME_DISTRICT = {"Vester": 44, "Lund": 40, "Øster": 34}
MONTH_WEIGHT = np.array([0.9, 0.85, 0.95, 1.0, 1.05, 1.05, 1.1, 1.1, 1.05, 1.0, 0.95, 1.0])
UNKNOWN_DISTRICT_SHARE = 0.03
ACTIVITY = {
    "Niveau 1-sager": (40, 8), "Niveau 2-sager": (22, 5), "Niveau 3-sager": (9, 3),
    "Aktive mentorforløb": (18, 4), "Hjemmebesøg": (60, 12),
}
STREETS_BY_DISTRICT = {
    "Lund": ["Hyldespjældet", "Galgebakken Sønder", "Blommehaven", "Lundevej", "Tranehusene"],
    "Øster": ["Gadekæret", "Bybuen", "Stationsvej", "Snebærhaven", "Kanalbuen"],
    "Vester": ["Topperne", "Hedemarken", "Egelundsvej", "Damgården", "Risby"],
}


@dataclass
class DemoSummary:
    offences: int = 0
    charges: int = 0
    population: int = 0
    activity: int = 0

    def __str__(self) -> str:
        return (
            f"{self.offences} anmeldelser, {self.charges} sigtelser, "
            f"{self.population} befolkningstal, {self.activity} nøgletal"
        )


def yearly(knots: list[tuple[int, int]], year: int) -> float:
    years, values = zip(*knots, strict=True)
    return float(np.interp(year, years, values))


def _random_days(rng: np.random.Generator, year: int, n: int) -> list[dt.date]:
    months = rng.choice(12, size=n, p=MONTH_WEIGHT / MONTH_WEIGHT.sum()) + 1
    days = rng.random(n)
    out = []
    for month, fraction in zip(months, days, strict=True):
        first = dt.date(year, int(month), 1)
        length = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
        out.append(first + dt.timedelta(days=int(fraction * length)))
    return out


class _Journal:
    def __init__(self) -> None:
        self.counter = 0

    def next(self, day: dt.date, police_circle: str = "0400") -> str:
        self.counter += 1
        return f"{police_circle}-{70000 + self.counter // 100000:05d}-{self.counter % 100000:05d}-{day:%y}"


def offences_generate(
    rng: np.random.Generator, *, municipality: Municipality, districts: dict[str, District],
    journal: _Journal, batch: ImportBatch,
) -> list[ReportedOffence]:
    rows: list[ReportedOffence] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for name, district in districts.items():
            total = rng.poisson(yearly(TRAJECTORY[name], year))
            mix = MIX[name]
            per_category = rng.multinomial(total, list(mix.values()))
            groups = list(zip(mix.keys(), per_category, strict=True))
            groups.append(("other", rng.poisson(total * OTHER_SHARE)))
            for category, n in groups:
                codes, weights = CATEGORY_CODES.get(category, OTHER_CODES)
                chosen = rng.choice(codes, size=n, p=weights)
                report_days = _random_days(rng, year, n)
                lags = rng.geometric(0.35, size=n) - 1
                no_offence_date = rng.random(n) < 0.05
                unknown = rng.random(n) < UNKNOWN_DISTRICT_SHARE
                streets = rng.choice(STREETS_BY_DISTRICT[name], size=n)
                houses = rng.integers(1, 40, size=n)
                for i in range(n):
                    report_day = report_days[i]
                    known = not unknown[i]
                    rows.append(ReportedOffence(
                        journal_number=journal.next(report_day), forhold=1,
                        report_date=report_day,
                        offence_date=None if no_offence_date[i] else report_day - dt.timedelta(days=int(lags[i])),
                        code=str(chosen[i]), code_text="",
                        address=f"{streets[i]} {houses[i]}" if known else f"Ukendt vej {houses[i]}",
                        postcode="2620", municipality=municipality,
                        district=district if known else None,
                        district_method=(ReportedOffence.DistrictMethod.STREET if known
                                         else ReportedOffence.DistrictMethod.UNKNOWN),
                        police_initiated=category == "narko" or str(chosen[i]).startswith("616"),
                        batch=batch,
                    ))
    return rows


def others_generate(
    rng: np.random.Generator, *, municipalities: list[Municipality], population: dict[str, int],
    journal: _Journal, batch: ImportBatch,
) -> list[ReportedOffence]:
    rows: list[ReportedOffence] = []
    all_codes, all_weights = [], []
    for codes, weights in [*CATEGORY_CODES.values(), OTHER_CODES]:
        all_codes += codes
        all_weights += weights
    p = np.array(all_weights) / sum(all_weights)
    for muni in municipalities:
        rate = rng.uniform(15, 30)  # all offences per 1,000 residents per year
        for year in range(OTHERS_FIRST_YEAR, LAST_YEAR + 1):
            n = rng.poisson(population.get(muni.code, 30000) * rate / 1000 * (1 - 0.02 * (year - OTHERS_FIRST_YEAR)))
            chosen = rng.choice(all_codes, size=n, p=p)
            for i, report_day in enumerate(_random_days(rng, year, n)):
                rows.append(ReportedOffence(
                    journal_number=journal.next(report_day), forhold=1, report_date=report_day,
                    offence_date=report_day, code=str(chosen[i]), municipality=muni,
                    district_method=ReportedOffence.DistrictMethod.UNKNOWN, batch=batch,
                ))
    return rows


def charges_generate(
    rng: np.random.Generator, *, offences: list[ReportedOffence], categories_of: dict[str, str],
    municipalities: dict[str, Municipality], home_districts: dict[str, District], batch: ImportBatch,
) -> list[Charge]:
    """Charges for saved offences; persons recur, residences spread like fig. 8."""
    codes = [c for c in RESIDENCE]
    weights = np.array([RESIDENCE[c] for c in codes], dtype=float)
    other_codes = [c for c in municipalities if c not in RESIDENCE]
    n_persons = 2500
    person_home = rng.choice(len(codes), size=n_persons, p=weights / weights.sum())
    person_birth = rng.integers(1960, 2008, size=n_persons)
    person_sex = np.where(rng.random(n_persons) < 0.85, "M", "K")
    district_names = list(HOME_DISTRICT)
    district_weights = np.array(list(HOME_DISTRICT.values()), dtype=float)
    person_district = rng.choice(district_names, size=n_persons, p=district_weights / district_weights.sum())
    person_other = rng.choice(other_codes, size=n_persons)
    popularity = rng.zipf(1.6, size=n_persons).astype(float)
    popularity = np.minimum(popularity, 40)
    popularity /= popularity.sum()
    data_end = dt.date(LAST_YEAR, 12, 31)
    rows: list[Charge] = []
    keys: dict[int, str] = {}  # a person's id stored as an import stores it: keyed (domain.md, "Data protection")
    for offence in offences:
        category = categories_of.get(offence.code, "other")
        if rng.random() >= CHARGE_PROBABILITY[category]:
            continue
        n = 1 + int(rng.random() < 0.2) + int(rng.random() < 0.05)
        charge_day = offence.report_date + dt.timedelta(days=int(rng.exponential(45)))
        if charge_day > data_end:
            continue  # charges arrive after the report: the newest months are undercounted
        people = rng.choice(n_persons, size=n, replace=False, p=popularity)
        for person in people:
            home_code = codes[person_home[person]]
            if home_code == "other":
                home_code = person_other[person]
            rows.append(Charge(
                journal_number=offence.journal_number, forhold=offence.forhold,
                person_key=keys.get(person) or keys.setdefault(
                    person, person_id_key(f"P-{person:06d}", secret=settings.PERSON_KEY_SECRET)),
                offence=offence, charge_date=charge_day,
                birth_year=int(person_birth[person]), sex=str(person_sex[person]),
                home_municipality=municipalities.get(home_code) if home_code else None,
                home_district=home_districts[person_district[person]] if home_code == "165" else None,
                batch=batch,
            ))
    return rows


def population_generate(
    rng: np.random.Generator, *, municipality: Municipality, districts: dict[str, District],
    batch: ImportBatch,
) -> list[PopulationCount]:
    """District counts on the 1st day of each quarter, summing to the municipality's FOLK1A."""
    real = dict(
        PopulationCount.objects.filter(
            municipality=municipality, district__isnull=True, sex="", age_from=0, age_to=125
        ).values_list("date", "count")
    )
    first_real, last_real = min(real), max(real)
    rows: list[PopulationCount] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 2):
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, 1)
            if day in real:
                total = real[day]
            elif day < first_real:
                total = round(real[first_real] * (1 - 0.002 * (first_real - day).days / 365))
            else:  # the municipality's own series is carried forward by demo_population_extend
                total = round(real[last_real] * (1 + 0.004 * (day - last_real).days / 365))
            drift = 0.004 * (year - 2016)
            shares = {"Vester": RESIDENT_SHARE["Vester"] + drift / 2,
                      "Øster": RESIDENT_SHARE["Øster"] - drift,
                      "Lund": RESIDENT_SHARE["Lund"] + drift / 2}
            for name, district in districts.items():
                count = round(total * shares[name])
                rows.append(PopulationCount(municipality=municipality, district=district, date=day,
                                            count=count, batch=batch))
                for (low, high), share in {(15, 17): 0.038, (18, 25): 0.10}.items():
                    rows.append(PopulationCount(
                        municipality=municipality, district=district, date=day, age_from=low,
                        age_to=high, count=round(count * share * rng.uniform(0.95, 1.05)), batch=batch,
                    ))
    return rows


def activity_generate(
    rng: np.random.Generator, *, municipality: Municipality, districts: dict[str, District],
    batch: ImportBatch,
) -> list[ActivityFigure]:
    rows = []
    for year in range(2016, LAST_YEAR + 1):
        for half in (1, 2):
            period = f"{year}H{half}"
            for name, (mean, spread) in ACTIVITY.items():
                rows.append(ActivityFigure(municipality=municipality, name=name, period=period,
                                           value=max(0, round(rng.normal(mean, spread))), batch=batch))
            rows.append(ActivityFigure(municipality=municipality, name="Tilbagefald blandt mentorforløb",
                                       period=period, unit=ActivityFigure.Unit.PERCENT,
                                       value=round(float(rng.uniform(12, 30)), 1), batch=batch))
            for name, district in districts.items():
                base = {"Lund": 14, "Øster": 11, "Vester": 7}[name] - 0.5 * (year - 2016)
                rows.append(ActivityFigure(
                    municipality=municipality, district=district, name="Andel utrygge", period=period,
                    unit=ActivityFigure.Unit.PERCENT,
                    value=round(max(2.0, base + float(rng.normal(0, 1))), 1), batch=batch,
                ))
    return rows
