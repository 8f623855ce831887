"""The comparison page in headless Chromium: peers typed as names, a KOMGRP group, two offence groups chosen
from DST's list; the charts drawn with the municipality labelled, the map outlined; axe clean.
Screenshots go to /work/shots/dst-*.png when that folder exists (for the person checking by hand)."""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tests.test_browser_a11y import violations

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path("/work/shots")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def shot(page, name: str) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"dst-{name}.png"), full_page=True)


@pytest.fixture
def page(browser_login, reference, member):
    """STRAF11 2015–2016 (TOT, 12 and 13) for the Hovedstadskommuner, each with 20.000 residents."""
    from comparisons.models import DstValue
    from districts.models import Municipality, PopulationCount

    rows = []
    for i, muni in enumerate(Municipality.objects.filter(group_name="Hovedstadskommuner")):
        for year in (2015, 2016):
            PopulationCount.objects.create(municipality=muni, date=dt.date(year, 7, 1), count=20000)
            for q in range(1, 5):
                for code, base in (("TOT", 300), ("12", 30), ("13", 150)):
                    rows.append(DstValue(table="STRAF11", area_code=muni.code, area_name=muni.name,
                                         dims=f"OVERTRÆD={code}", period=f"{year}K{q}",
                                         value=base + 7 * i + 3 * q + (year - 2015) * 5))
    DstValue.objects.bulk_create(rows)
    member("Leder", reference["165"])
    return browser_login("leder")


def test_peers_as_names_a_group_and_two_offence_groups(page, live_server):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/kommune/165/sammenligning/?period_from=2015&period_to=2016")
    page.fill("#peers", "ishøj, Brøndby")
    page.select_option("#cat", ["12", "13"])
    page.keyboard.press("Enter")
    page.wait_for_url("**peers=**")
    page.wait_for_selector("[data-chart=chart-data-1] .main-svg")
    assert page.get_by_role("heading", name="Voldsforbrydelser i alt", exact=True).count() == 1
    assert page.get_by_role("heading", name="Ejendomsforbrydelser i alt", exact=True).count() == 1
    chart = page.locator("[data-chart=chart-data-0]")
    labels = chart.locator(".annotation-text").all_text_contents()
    assert {"Albertslund", "Ishøj", "Brøndby"} <= set(labels)  # each line named at its end
    table = page.locator("section", has=page.locator("[data-chart=chart-data-0]")).locator("table")
    assert "Albertslund" in table.inner_text() and "Ishøj" in table.inner_text()
    shot(page, "names")
    assert violations(page) == []

    page.fill("#peers", "Hovedstadskommuner")
    page.keyboard.press("Enter")
    page.wait_for_url("**Hovedstadskommuner**")
    page.wait_for_selector("[data-chart=chart-data-1] .main-svg")
    legend = page.locator("[data-chart=chart-data-0] .legendtext").all_text_contents()
    assert "Hovedstadskommuner (median)" in legend and "Hovedstadskommuner: laveste–højeste" in legend
    assert len(legend) == 4  # the municipality, band, median, the members on demand: not 24 lines
    page.locator("[data-chart=map-data] .main-svg").first.wait_for()
    assert "Sammenligningskommuner" in page.locator("[data-chart=map-data] .legendtext").all_text_contents()
    shot(page, "group")
    assert violations(page) == []
    lines = page.locator("[data-chart=chart-data-0] .scatterlayer .trace").count()
    members = page.locator("[data-chart=chart-data-0] .legend .traces", has_text="de enkelte kommuner")
    members.locator(".legendtoggle").click()  # the members on demand: one legend entry
    traces = page.locator("[data-chart=chart-data-0] .scatterlayer .trace")
    for _ in range(50):
        if traces.count() > lines:
            break
        page.wait_for_timeout(100)
    assert traces.count() > lines
    shot(page, "group-members")
    assert errors == []
