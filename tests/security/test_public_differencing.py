"""Issue 21, finding 3: public small counts could be worked out by differencing; now no protected cell can.

As an anonymous visitor of the demo data (public view on), the intruder downloads every personal figure (fig. 6,
7, 8 and the young people's share) for every period and district filter the public view offers, as CSV, JSON,
Excel and the figure page, plus the dashboard; turns all of it into one integer program (``intruder.py``) and asks,
for every cell whose true count is 1 or 2, its least and greatest possible value. Before the change (the old
public view, ``legacy_public.py``) the issue's attacks recovered many cells; now none.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.security import intruder
from tests.security.intruder import Knowledge, attack

pytestmark = pytest.mark.django_db
PERSONAL = ["charges-by-category", "charges-share", "charged-persons-residence", "young-charged-share"]
YEARS = [str(y) for y in range(2016, 2026)]
READERS = {"csv": intruder.rows_from_csv, "json": intruder.rows_from_json, "xlsx": intruder.rows_from_xlsx,
           "da.csv": intruder.rows_from_danish_csv}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data (seed 1) with Albertslund's public view on, loaded once for this module and rolled back."""
    from districts.models import Municipality

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", seed=1, verbosity=0)
        Municipality.objects.filter(code="165").update(public_view=True)
        yield Municipality.objects.get(code="165")
        transaction.set_rollback(True)


def page_vocabulary():
    from reports import selectors
    from reports.tables import COLUMN_LABELS

    labels = {column: str(label) for column, label in COLUMN_LABELS.items()}
    return labels, {name: slug for slug, name in selectors.category_names().items()}


def truth(municipality, ranges: list[tuple[str, str]]) -> dict:
    """Every cell's true value from the staff tables (the unpublished totals of fig. 6 too)."""
    from reports.services import figure_table

    values = {}
    for first, last in ranges:
        for slug in ("charges-by-category", "charged-persons-residence", "young-charged-share"):
            table = figure_table(slug=slug, municipality=municipality, period=first, to=last)
            for row in table.to_dict("records"):
                key = intruder.cell_key(slug, row)
                values[key] = int(row["charges" if slug == "charges-by-category" else "persons"])
                if slug == "charges-by-category":
                    total = ("T", key[1], key[3])
                    values[total] = values.get(total, 0) + values[key]
    return values


class Harvest:
    """What an anonymous visitor downloads: every response feeds the intruder's knowledge."""

    def __init__(self, client, knowledge: Knowledge):
        self.client, self.knowledge = client, knowledge
        self.labels, self.category_slugs = page_vocabulary()
        self.requests = 0
        self.refused = []

    def get(self, url: str):
        self.requests += 1
        return self.client.get(url)

    def figure(self, slug: str, query: str, fmt: str) -> None:
        if fmt == "html":
            response = self.get(f"/kommune/165/figur/{slug}/?{query}")
            assert response.status_code == 200, (slug, query, response.status_code)
            tables = intruder.tables_from_html(response.content.decode(), labels=self.labels,
                                               category_slugs=self.category_slugs)
            self.knowledge.observe(slug, tables[slug])
            return
        response = self.get(f"/kommune/165/figur/{slug}.{fmt}?{query}")
        assert response.status_code == 200, (slug, query, fmt, response.status_code)
        self.knowledge.observe(slug, READERS[fmt](response.content))

    def dashboard(self, query: str) -> None:
        response = self.get(f"/kommune/165/?{query}")
        assert response.status_code == 200, (query, response.status_code)
        tables = intruder.tables_from_html(response.content.decode(), labels=self.labels,
                                           category_slugs=self.category_slugs)
        assert set(PERSONAL) <= set(tables)
        for slug in PERSONAL:
            self.knowledge.observe(slug, tables[slug])

    def refuse(self, query: str) -> None:
        """A choice the public view does not offer: every output answers 400 with a Danish reason, no numbers."""
        for url in [f"/kommune/165/?{query}", *[f"/kommune/165/figur/{slug}.{fmt}?{query}" for slug in PERSONAL
                                                for fmt in ("csv", "json")], f"/kommune/165/figur/charges-share/?{query}"]:
            response = self.get(url)
            assert response.status_code == 400, (url, response.status_code)
            body = response.content.decode()
            assert "offentlige visning" in body and "<3" not in body and "&lt;3" not in body, url
        self.refused.append(query)


def query(first: str, last: str, districts=(), **extra) -> str:
    return urlencode([("period_from", first), ("period_to", last), *[("districts", d) for d in districts],
                      *extra.items()])


def test_the_old_public_view_gave_small_counts_away(demo, client, monkeypatch):
    """The issue's attacks against the public view as it was (``legacy_public.py`` in place of ``public_table``)."""
    from reports import services
    from tests.security.legacy_public import legacy_public_table

    monkeypatch.setattr(services, "public_table", legacy_public_table)
    facts = truth(demo, [("2016", "2025"), ("2016H1", "2025H2"), ("2016K1", "2025K4")])
    found = {}
    attacks = {
        # a year minus its quarters and half-years (fig. 6 and its shares in fig. 7)
        "year minus quarters": [query("2016", "2025"), query("2016H1", "2025H2"), query("2016K1", "2025K4")],
        # a district filter planned on its own: one cell per group, the share column gives the total
        "district filter × share": [query("2016", "2025")] + [query("2016", "2025", [d])
                                                              for d in ("Vester", "Øster", "Lund")],
    }
    for name, queries in attacks.items():
        knowledge = Knowledge(min_count=3, rule_aware=False)
        harvest = Harvest(client, knowledge)
        for q in queries:
            for slug in ("charges-by-category", "charges-share"):
                harvest.figure(slug, q, "csv")
        found[name] = attack(knowledge, facts)
    # the young people's share: its municipality row minus the districts shown
    knowledge = Knowledge(min_count=3, rule_aware=False)
    harvest = Harvest(client, knowledge)
    for q in (query("2016", "2025"), query("2016H1", "2025H2"), query("2016K1", "2025K4")):
        harvest.figure("young-charged-share", q, "csv")
    found["young total minus groups"] = attack(knowledge, facts)
    summary = {name: (len(o["recovered"]), o["targets"]) for name, o in found.items()}
    print("old public view, recovered/small cells:", summary)
    assert summary["year minus quarters"][0] >= 50
    assert summary["district filter × share"][0] >= 10
    assert summary["young total minus groups"][0] >= 3


def test_no_public_output_gives_a_small_count_away(demo, client):
    """Every period, filter and format the public view offers, all at once: no cell of 1 or 2 is recovered."""
    from reports import selectors

    districts = [d.name for d in selectors.districts_of(municipality=demo)]
    knowledge = Knowledge(min_count=3, rule_aware=True)
    harvest = Harvest(client, knowledge)
    ranges = [(y, y) for y in YEARS] + [("2016", "2025"), ("2016", "2020"), ("2021", "2025"), ("2015", "2025")]
    choices = [()] + [(d,) for d in districts] + [tuple(districts[:2])]
    for first, last in ranges:
        for chosen in choices:
            q = query(first, last, chosen)
            for slug in PERSONAL:
                for fmt in ("csv", "json", "html", "da.csv", "xlsx"):  # the XLSX's cells as stored, full precision
                    if chosen and slug not in ("charges-by-category", "charges-share") and fmt != "csv":
                        continue  # fig. 8 and the young share have no district column: the filter changes nothing
                    harvest.figure(slug, q, fmt)
        harvest.dashboard(query(first, last))
    harvest.dashboard("")  # the default dashboard
    # what the public view does not offer: half-years, quarters, offence date, chosen categories
    for first, last in [("2024H1", "2024H2"), ("2024K1", "2024K4"), ("2024K3", "2024K3"), ("2016H1", "2025H2")]:
        harvest.refuse(query(first, last))
    harvest.refuse(query("2024", "2024", date_basis="offence"))
    harvest.refuse(query("2024", "2024", categories="vold"))
    harvest.refuse(query("2024", "2024", categories="tyveri") + "&categories=vold")

    # every format shows each cell the same way
    mixed = [k for k in knowledge.exact if len(knowledge.exact[k]) > 1 or knowledge.markers.get(k)]
    assert mixed == []
    facts = truth(demo, [("2015", "2025")])
    outcome = attack(knowledge, facts)
    print(f"public view now: {harvest.requests} requests, {outcome['targets']} small cells, "
          f"{len(outcome['recovered'])} recovered; ranges: "
          f"{sorted(set(outcome['ranges'].values()))}")
    assert outcome["targets"] > 300  # the attack saw the small cells (every year, every figure)
    assert outcome["contradictions"] == []  # the intruder's reading of the markers holds for the true values
    assert outcome["recovered"] == []
    # and not by knowing more than is published: the residents without a district, exactly
    strong = Knowledge(min_count=3, rule_aware=True)
    strong.exact.update(knowledge.exact)
    strong.markers.update(knowledge.markers)
    strong.ratios, strong.ranges, strong.seen = knowledge.ratios, knowledge.ranges, knowledge.seen
    remainders = {("r", *key[:3]): facts[key] - sum(v for k, v in facts.items() if k[:3] == key[:3] and k[3] != "")
                  for key in facts if key[0] in "py" and key[3] == "" and any(k[:3] == key[:3] and k[3] != ""
                                                                             for k in facts)}
    assert attack(strong, facts, known=remainders)["recovered"] == []


def test_the_order_of_hidden_rows_tells_nothing(demo, client):
    """Fig. 8 listed the other home municipalities by their true counts, so the '<3' rows came as all the 2s, then
    all the 1s; now the shown ones come by count and the hidden ones after them by code."""
    rows = intruder.rows_from_csv(client.get("/kommune/165/figur/charged-persons-residence.csv?"
                                             + query("2016", "2025")).content)
    facts = truth(demo, [("2016", "2025")])
    for year in YEARS:
        others = [r for r in rows if r["period"] == year and r["home_municipality_code"] not in ("165", "")]
        hidden = [r["home_municipality_code"] for r in others if r["persons"] == "<3"]
        shown = [int(r["persons"]) for r in others if r["persons"] != "<3"]
        assert hidden == sorted(hidden) and shown == sorted(shown, reverse=True)
        assert others[len(shown):] == [r for r in others if r["persons"] == "<3"]
        true = {facts[("p", year, code, "")] for code in hidden}
        assert true <= {1, 2}
    assert any(len({facts[("p", y, r["home_municipality_code"], "")] for r in rows
                    if r["period"] == y and r["persons"] == "<3" and r["home_municipality_code"] not in ("165", "")})
               == 2 for y in YEARS)  # both 1s and 2s among them: the order had something to give away
