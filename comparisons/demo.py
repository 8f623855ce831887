"""Demo DST series (STRAF11 shaped, synthetic) and the Sikker By indicators."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from districts.models import Municipality, PopulationCount

from .dst_meta import table_meta
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
    leaves: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    groups: dict[tuple[str, str, str], int] = defaultdict(int)
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
                    leaves[(muni.code, period)][code] = value
                    total += value
                    rows.append(DstValue(table="STRAF11", area_code=muni.code, area_name=muni.name,
                                         dims=f"OVERTRÆD={code}", period=period, value=value, batch=batch))
                    country[(period, code)] += value
                other = int(rng.poisson(pop / 1000 * base / 4 * trend * 0.18))
                groups[(muni.code, period, "TOT")] = total + other
                groups[(muni.code, period, "1")] += other  # offences outside the listed codes: Straffelov
                for group, value in _group_totals(leaves.pop((muni.code, period))).items():
                    groups[(muni.code, period, group)] += value
                for group in ("TOT", "1", "11", "12", "13", "14", "3"):  # DST's totals and groups beside the offences
                    value = groups.pop((muni.code, period, group), 0)
                    rows.append(DstValue(table="STRAF11", area_code=muni.code, area_name=muni.name,
                                         dims=f"OVERTRÆD={group}", period=period, value=value, batch=batch))
                    country[(period, group)] += value
    for (period, code), national in country.items():
        rows.append(DstValue(table="STRAF11", area_code="000", area_name="Hele landet", dims=f"OVERTRÆD={code}",
                             period=period, value=national, batch=batch))
    for period, people in country_population.items():
        rows.append(DstValue(table="FOLK1A", area_code="000", area_name="Hele landet", dims="", period=period,
                             value=people, batch=batch))
    DstValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _group_totals(values: dict[str, int]) -> dict[str, int]:
    """The group totals DST publishes beside the offences (STRAF11's OVERTRÆD levels 1–2, from its metadata)."""
    meta = table_meta("STRAF11")
    parent = {v.code: v.parent for v in meta.values["OVERTRÆD"]} if meta else {}
    totals: dict[str, int] = defaultdict(int)
    for code, value in values.items():
        up = parent.get(code)
        while up and up != "TOT":
            totals[up] += value
            up = parent.get(up)
    return totals


def demo_indicators_create(municipality: Municipality) -> None:
    Indicator.objects.filter(municipality=municipality).delete()
    Indicator.objects.create(
        municipality=municipality, name="Borgervendt kriminalitet pr. 1.000 indbyggere",
        measure="figure:reports-per-1000:borgervendt", unit="pr. 1.000", direction=Indicator.Direction.DOWN,
        # Sikker By's 82,7 → 72 is 12,9 % fewer; the baseline is what the figure shows for 2016
        baseline_period="2016", target_change_pct=-12.9, target_period="2021", order=0,
    )
    Indicator.objects.create(
        municipality=municipality, name="Andel borgere, der føler sig utrygge", measure="metric:Andel utrygge",
        unit="%", direction=Indicator.Direction.DOWN, baseline_period="2017", target_value=5,
        target_period="2021", order=1,
    )
