"""The young people's share: the share of the municipality's young residents charged in the period, by age group
and home district (no number in the report; its definition is on the help page)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.population import population_on

from .. import selectors
from ..charts import PALETTE, bar, error_bars
from ..intervals import IntervalSpec
from ..periods import Period
from ..suppression import Protection
from .base import Drawing, Figure, FigureInputs, charged_persons


def age_band_counts(population: pd.DataFrame, *, band: tuple[int, int]) -> dict[int | None, list]:
    """{district id (``None``: the municipality's own rows): [(date, residents aged low–high)]}.

    A row for exactly that band wins; otherwise single years are summed when every year of the band is there.
    """
    low, high = band
    if population.empty:
        return {}
    frame = population.assign(area=population["district_id"].fillna(-1).astype(int))
    exact = frame[(frame["age_from"] == low) & (frame["age_to"] == high)].groupby(["area", "date"])["count"].first()
    years = frame[(frame["age_from"] == frame["age_to"]) & frame["age_from"].between(low, high)]
    grouped = years.groupby(["area", "date"]).agg(count=("count", "sum"), ages=("age_from", "nunique"))
    complete: pd.Series = grouped.loc[grouped["ages"] == high - low + 1, "count"]
    counts = pd.concat([exact, complete[~complete.index.isin(exact.index)]]).sort_index()
    result: dict[int | None, list] = {}
    for (area, day), value in zip(counts.index, counts.to_numpy(), strict=True):
        result.setdefault(None if area == -1 else int(area), []).append((day, float(value)))
    return result


def young_share(
    persons: pd.DataFrame, population: pd.DataFrame, *, periods: list[Period], age_groups: list[tuple[int, int]],
    districts: list[tuple[int, str]],
) -> pd.DataFrame:
    """Share of the municipality's young residents charged in the period, per age group (domain.md).

    ``persons``: period, home_district_id, birth_year, persons, for persons living in the
    municipality, each counted once per period with the residence and birth year of their first
    charge in it (as in fig. 8). Age is the period's year minus the birth year (every period lies
    within one year). The municipality's row has ``home_district`` empty; persons without a
    district count there only. The population of the band on the period's midpoint: the
    municipality's own count, else the sum of its districts' counts when every district has one.
    """
    columns = ["period", "age_group", "home_district", "persons", "population", "persons_per_1000", "share_pct"]
    areas: list[tuple[str, int | None]] = [("", None)] + [(name, pk) for pk, name in districts]
    bands = {band: age_band_counts(population, band=band) for band in age_groups}
    counts: dict[tuple[str, tuple[int, int], int | None], int] = {}  # (period, band, area) → persons
    years = {str(period): period.year for period in periods}
    for period, district_id, birth_year, n in persons[["period", "home_district_id", "birth_year",
                                                       "persons"]].itertuples(index=False):
        if pd.isna(birth_year) or period not in years:
            continue
        age = years[period] - int(birth_year)
        for band in age_groups:
            if band[0] <= age <= band[1]:
                for area in {None, None if pd.isna(district_id) else int(district_id)}:
                    counts[period, band, area] = counts.get((period, band, area), 0) + int(n)
    rows = []
    for period in periods:
        for band in age_groups:
            residents = {pk: population_on(bands[band].get(pk, []), period.midpoint) for _name, pk in areas}
            own_districts = [residents[pk] for _name, pk in areas[1:]]
            if residents[None] is None and own_districts and None not in own_districts:
                residents[None] = sum(v for v in own_districts if v is not None)
            for name, pk in areas:
                count = counts.get((str(period), band, pk), 0)
                people = residents[pk]
                rate = count / people if people else float("nan")
                rows.append((str(period), f"{band[0]}-{band[1]}", name, count,
                             float("nan") if people is None else people, rate * 1000, rate * 100))
    return pd.DataFrame(rows, columns=columns)


HOVER = {"share_pct": "%{x}: %{y:.1f} %<extra>%{fullData.name}</extra>",
         "persons_per_1000": "%{x}: %{y:.1f}<extra>%{fullData.name}</extra>",
         "persons": "%{x}: %{y:.0f}<extra>%{fullData.name}</extra>"}


@dataclass(frozen=True)
class YoungChargedShare(Figure):
    def district_rows(self, table: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
        """The chosen home districts' rows; the rows of no home district (the municipality's total, other
        municipalities) stay: they are not a district's."""
        return table[(table["home_district"] == "") | table["home_district"].isin(districts)]

    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        return young_share(charged_persons(inputs, of="home"), selectors.age_population(municipality=inputs.municipality),
                           periods=inputs.periods, age_groups=settings.YOUNG_AGE_GROUPS, districts=inputs.districts)

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        """The whole municipality, one bar per age group and period."""
        value = self.value
        totals = numeric[numeric["home_district"] == ""]
        return [bar(name=_("%(band)s år") % {"band": band}, x=part["period"], y=part[value],
                    colour=PALETTE[i % len(PALETTE)], hovertemplate=HOVER.get(value, HOVER["share_pct"]),
                    **error_bars(part, value))
                for i, (band, part) in enumerate(totals.groupby("age_group", sort=False))]


FIGURE = YoungChargedShare(
    "young-charged-share", None, gettext_lazy("Unge sigtede"),
    gettext_lazy("Andel af kommunens unge i hver aldersgruppe, der er sigtet for de valgte gerningstyper i perioden, "
                 "efter bopælsbydel (hver person tælles én gang). Alderen er den, personen fylder i gerningsåret; "
                 "indbyggere i aldersgruppen midt i perioden."),
    ("period", "age_group", "home_district", "persons", "population", "persons_per_1000", "share_pct"),
    personal=True, value="share_pct", persons=True,
    protection=Protection(("period", "age_group"), "persons", derived=("persons_per_1000", "share_pct"),
                          total_column="home_district", remainder=True),
    intervals=IntervalSpec("persons", ("age_group", "home_district"), "population",
                           (("persons_per_1000", "rate", 1000), ("share_pct", "share", 100))),
    measures=(("count", "persons"), ("per1000", "persons_per_1000"), ("share", "share_pct")),
)
