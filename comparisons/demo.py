"""Demo DST series (STRAF11 shaped, synthetic) and the Sikker By indicators."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from districts.models import Municipality, PopulationCount

from .models import DstValue, Indicator

GROUP_RATE = {"Hovedstadskommuner": 62, "Storbykommuner": 75, "Provinsbykommuner": 50, "Oplandskommuner": 34,
              "Landkommuner": 38}
CODE_SHARE = {"1252": 0.045, "1255": 0.012, "1292": 0.02, "1316": 0.025, "1320": 0.08, "1324": 0.02,
              "1328": 0.07, "1332": 0.08, "1336": 0.18, "1339": 0.03, "1345": 0.12, "1380": 0.006,
              "1390": 0.07, "1435": 0.004, "3210": 0.06}


def demo_population_extend(*, last_year: int, batch) -> int:
    """Carry every municipality's FOLK1A series gently forward to 1 January after ``last_year``."""
    rows = []
    latest: dict[int, tuple[dt.date, int]] = {}
    for muni_id, day, count in PopulationCount.objects.filter(
        district__isnull=True, sex="", age_from=0, age_to=125
    ).order_by("date").values_list("municipality_id", "date", "count"):
        latest[muni_id] = (day, count)
    for muni_id, (day, count) in latest.items():
        year, month = day.year, day.month
        while (year, month) < (last_year + 1, 1):
            month += 3
            if month > 12:
                year, month = year + 1, 1
            when = dt.date(year, month, 1)
            rows.append(PopulationCount(municipality_id=muni_id, date=when, batch=batch,
                                        count=round(count * (1 + 0.004 * (when - day).days / 365))))
    PopulationCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def demo_dst_create(*, rng: np.random.Generator, first_year: int, last_year: int, batch) -> int:
    municipalities = list(Municipality.objects.all())
    population: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for code, day, count in PopulationCount.objects.filter(
        district__isnull=True, sex="", age_from=0, age_to=125
    ).values_list("municipality__code", "date", "count"):
        population[code][day] = count
    rows = []
    country: dict[tuple[str, str], float] = defaultdict(float)
    country_population: dict[str, float] = defaultdict(float)
    for muni in municipalities:
        base = GROUP_RATE.get(muni.group_name, 45) * rng.uniform(0.8, 1.2)
        for year in range(first_year, last_year + 1):
            trend = 1 - 0.025 * (year - first_year)
            for quarter in range(1, 5):
                period = f"{year}K{quarter}"
                day = dt.date(year, 3 * (quarter - 1) + 1, 1)
                pop = population[muni.code].get(day)
                if pop is None:
                    continue
                country_population[period] += pop
                total = 0
                for code, share in CODE_SHARE.items():
                    value = int(rng.poisson(pop / 1000 * base / 4 * trend * share))
                    total += value
                    rows.append(DstValue(table="STRAF11", area_code=muni.code, area_name=muni.name,
                                         dims=f"OVERTRÆD={code}", period=period, value=value, batch=batch))
                    country[(period, code)] += value
                other = int(rng.poisson(pop / 1000 * base / 4 * trend * 0.18))
                rows.append(DstValue(table="STRAF11", area_code=muni.code, area_name=muni.name, dims="OVERTRÆD=TOT",
                                     period=period, value=total + other, batch=batch))
                country[(period, "TOT")] += total + other
    for (period, code), value in country.items():
        rows.append(DstValue(table="STRAF11", area_code="000", area_name="Hele landet", dims=f"OVERTRÆD={code}",
                             period=period, value=value, batch=batch))
    for period, value in country_population.items():
        rows.append(DstValue(table="FOLK1A", area_code="000", area_name="Hele landet", dims="", period=period,
                             value=value, batch=batch))
    DstValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def demo_indicators_create(municipality: Municipality) -> None:
    Indicator.objects.filter(municipality=municipality).delete()
    Indicator.objects.create(
        municipality=municipality, name="Borgervendt kriminalitet pr. 1.000 indbyggere",
        measure="figure:reports-per-1000:borgervendt", unit="pr. 1.000", direction=Indicator.Direction.DOWN,
        baseline_value=82.7, baseline_year=2016, target_value=72, target_year=2021, order=0,
    )
    Indicator.objects.create(
        municipality=municipality, name="Andel borgere, der føler sig utrygge", measure="metric:Andel utrygge",
        unit="%", direction=Indicator.Direction.DOWN, baseline_value=9, baseline_year=2017, target_value=5,
        target_year=2021, order=1,
    )
