"""On the demo data: the words on the key-figure cards and in the report's findings follow the test (issue 26).

For each district and category of the latest two years, the verdict is computed here from the figure's
counts and populations with scipy directly; no card or finding may say "steget"/"faldet" for a change that
is not significant, nor "på niveau" for one that is.
"""

import re
from html import unescape

import pytest
from django.core.management import call_command
from scipy.stats import binomtest

from districts.models import Municipality
from reports.dashboard import Filters, default_filters, key_cards, key_figure_rows
from reports.halfyear.services import report_content, report_create
from reports.models import ReportSection
from reports.services import default_categories, figure_table

pytestmark = pytest.mark.django_db


def says_change(words: str) -> bool:
    return bool(re.search(r"\b(steget|faldet)\b", words, re.IGNORECASE))


def verdict(before, now, pop_before, pop_now, alpha) -> bool:
    return binomtest(int(now), int(before + now), pop_now / (pop_before + pop_now)).pvalue < alpha


def card_text(html: str, district: str) -> str:
    start = html.index(f"<strong>{district}</strong>", html.index('id="key-title"'))
    return unescape(re.sub(r"<[^>]+>", " ", html[start:html.index("</li>", start)]))


def test_words_on_cards_and_in_findings_follow_the_test(client, member, settings):
    call_command("load_demo", seed=1, verbosity=0)
    town = Municipality.objects.get(code="165")
    client.force_login(member("Medarbejder", town, username="usikkerhed"))
    alpha = settings.SIGNIFICANCE_LEVEL
    defaults = default_filters(town)
    last = defaults.period_to
    previous = str(int(last) - 1)
    seen = {True: 0, False: 0}
    for category in default_categories(town):
        table = figure_table(slug="reports-per-1000", municipality=town, period=previous, to=last,
                             categories=[category])
        rows = {(r.period, r.district): r for r in table.itertuples(index=False) if r.district}
        verdicts = {}
        for district in {d for _p, d in rows}:
            before, now = rows[previous, district], rows[last, district]
            verdicts[district] = verdict(before.reports, now.reports, before.population, now.population, alpha)
            seen[verdicts[district]] += 1

        # the key-figure cards, as computed and as the dashboard shows them
        filters = Filters(period_from=defaults.period_from, period_to=last, categories=[category])
        key = key_figure_rows(municipality=town, filters=filters)
        cards = {card["district"]: card for card in key_cards(key.rows, compared=key.compared)}
        html = client.get(f"/kommune/165/?period_from={defaults.period_from}&period_to={last}"
                          f"&categories={category}").content.decode()
        for district, significant in verdicts.items():
            words = cards[district]["words"]
            assert says_change(words) == significant, (category, district, words)
            assert ("på niveau med året før" in words) == (not significant), (category, district, words)
            assert ("ikke statistisk sikker" in words) == (not significant)
            assert ("få tilfælde" in words) == (min(rows[previous, district].reports, rows[last, district].reports) < 10)
            shown = card_text(html, district)
            assert words[0].upper() + words[1:] in " ".join(shown.split()), (category, district, shown)
            assert says_change(shown) == significant

        # the report's findings for the same category and years
        report = report_create(municipality=town, period=f"{last}H2")
        section = report.sections.get(kind=ReportSection.Kind.FINDINGS)
        section.config = {**section.config, "categories": [category]}
        section.save()
        [findings] = [c.findings for c in report_content(report) if c.section.pk == section.pk]
        for district, significant in verdicts.items():
            [line] = [f for f in findings if f.startswith(f"{district}:")]
            assert says_change(line) == significant, (category, district, line)
            assert (f"på niveau med {previous}" in line) == (not significant), (category, district, line)
        # highest/lowest: only when the two districts differ significantly
        now_rows = [r for (p, _d), r in rows.items() if p == last and r.population == r.population]
        high = max(now_rows, key=lambda r: r.reports_per_1000)
        low = min(now_rows, key=lambda r: r.reports_per_1000)
        differ = verdict(low.reports, high.reports, low.population, high.population, alpha)
        assert any(f.startswith("Flest anmeldelser pr. 1.000 indbyggere i ") for f in findings) == differ
        assert any("bydelene ligger på niveau med hinanden" in f for f in findings) == (not differ)
        # every line that states a rise or fall is a significant one
        for line in findings:
            if says_change(line):
                assert "ikke statistisk sikker" not in line
    assert seen[True] and seen[False], seen  # the demo data hold both kinds of change
