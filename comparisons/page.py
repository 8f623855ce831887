"""The comparison page's content: one read of the stored series, then charts and tables (cached by the views)."""

from __future__ import annotations

from django.utils.html import json_script
from django.utils.translation import gettext as _

from comparisons.dst_meta import offence_groups, table_meta
from districts.models import Municipality
from reports.charts import plotly_data
from reports.figures import with_intervals
from reports.models import OffenceCategory

from .charts import comparison_chart, comparison_map
from .services import (
    COUNTRY,
    ComparisonError,
    PeerChoice,
    category_label,
    comparison_data,
    peers_parse,
)
from .stats import group_summary

MAX_SINGLE_LINES = 5  # more single peers than this are drawn as a group (median and range), not as lines


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The offence groups as DST groups them (STRAF11's OVERTRÆD), then the municipality's own categories."""
    groups = []
    for head, values in offence_groups("STRAF11"):
        groups.append((head, [(v.code, ("— " if v.level == 3 else "") + f"{v.label} ({v.code})") for v in values]))
    own = list(OffenceCategory.objects.values_list("slug", "name"))
    if own:
        groups.append((_("Gerningstyper (kommunens koderegler)"), own))
    return groups


def categories_check(categories: list[str]) -> None:
    meta = table_meta("STRAF11")
    known = {v.code for v in meta.values.get("OVERTRÆD", [])} if meta else set()
    known |= set(OffenceCategory.objects.values_list("slug", flat=True))
    unknown = [c for c in categories if c not in known and not c.isdigit()]
    if unknown:
        raise ComparisonError(_("Ukendt overtrædelse: %(value)s. Vælg fra listen.") % {"value": ", ".join(unknown)})


def _drawn(choice: PeerChoice) -> PeerChoice:
    """Many single peers become a group of their own: never more than a few unlabelled lines."""
    peers = [c for c in choice.singles if c != COUNTRY]
    if len(peers) <= MAX_SINGLE_LINES:
        return choice
    return PeerChoice(choice.municipality, [c for c in choice.singles if c == COUNTRY],
                      [*choice.groups, (_("Valgte kommuner"), peers)])


def comparison_content(*, municipality: Municipality, period_from: str, period_to: str, categories: list[str],
                       peers: str, show_members: bool, intervals: bool = False) -> dict:
    """Everything the page shows, as plain data and ready JSON (so it can be cached as it is)."""
    categories_check(categories)
    choice = _drawn(peers_parse(municipality, peers or None))
    everyone = list(Municipality.objects.values_list("code", flat=True))
    data = comparison_data(areas=choice.codes, period=period_from, to=period_to, categories=categories,
                           last_only=everyone)
    full = data.table
    chosen = full[full["municipality_code"].isin(choice.codes)]
    if intervals:  # "Vis usikkerhed": the rates' 95 % intervals, as a band on the municipality's line and in the table
        chosen = with_intervals(chosen.reset_index(drop=True), slug="municipality-comparison")
    summary = group_summary(table=chosen, groups=choice.groups)
    labels = {c: category_label(c) for c in categories}
    sections = []
    for n, category in enumerate(categories):
        chart = comparison_chart(
            table=chosen, summary=summary, municipality_code=municipality.code, category=category,
            title=_("%(category)s pr. 1.000 indbyggere") % {"category": labels[category]},
            singles=choice.singles, groups=choice.groups, show_members=show_members)
        sections.append({"category": category, "label": labels[category], "chart_id": f"chart-data-{n}",
                         "chart": json_script(plotly_data(chart), f"chart-data-{n}"),
                         **_summary_table(chosen, summary, choice, category)})
    own_name = municipality.name
    members = [r for r in chosen.astype(object).where(chosen.notna(), None).to_dict("records")]
    last = str(chosen["period"].iloc[-1]) if len(chosen) else period_to
    map_rows = full[(full["period"] == last) & (full["category"] == categories[0])
                    & full["municipality_code"].isin(everyone)]
    map_chart = comparison_map(
        table=map_rows, municipality_code=municipality.code, peers=[c for c in choice.codes if c in everyone],
        title=_("Kort: %(category)s pr. 1.000 indbyggere (%(period)s)") % {"category": labels[categories[0]],
                                                                           "period": last})
    map_table = map_rows.sort_values("reports_per_1000", ascending=False, na_position="last")
    return {
        "own_name": own_name, "sections": sections, "members": members,
        "groups": [(name, len(codes)) for name, codes in choice.groups],
        "national_source": data.national_source if COUNTRY in choice.codes else None,
        "map": json_script(map_chart, "map-data"), "map_period": last,  # the map's values are plain floats already
        "map_category": labels[categories[0]],
        "map_table": map_table.astype(object).where(map_table.notna(), None).to_dict("records"),
    }


def _summary_table(table, summary, choice: PeerChoice, category: str) -> dict:
    """The chart's numbers: the municipality, each group's median, lowest and highest, the single peers."""
    part = table[table["category"] == category]
    rate = {(r.municipality_code, r.period): r.reports_per_1000 for r in part.itertuples()}
    names = dict(zip(part["municipality_code"], part["municipality"], strict=False))
    headers = [names.get(choice.municipality, choice.municipality)]
    for group, _codes in choice.groups:
        headers += [_("%(group)s, median") % {"group": group}, _("%(group)s, laveste") % {"group": group},
                    _("%(group)s, højeste") % {"group": group}]
    headers += [names.get(code, code) for code in choice.singles]
    rows = []
    mine = summary[summary["category"] == category]
    cells = {(g, p): (m, lo, hi) for g, p, m, lo, hi in zip(mine["group"], mine["period"], mine["median"], mine["low"],
                                                            mine["high"], strict=True)}
    for period in dict.fromkeys(part["period"]):
        row = [rate.get((choice.municipality, period))]
        for group, _codes in choice.groups:
            row += list(cells.get((group, period), (None, None, None)))
        row += [rate.get((code, period)) for code in choice.singles]
        rows.append({"period": period, "values": [None if v is None or v != v else float(v) for v in row]})
    return {"headers": headers, "rows": rows}
