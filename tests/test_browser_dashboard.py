"""The dashboard in headless Chromium: filter, chart and table update, CSV download."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keep the roles a migration made
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def page(browser_login, town, member):
    member("Medarbejder", town)
    return browser_login("medarbejder")


def test_filter_updates_chart_and_table_and_csv_downloads(page, live_server):
    page.goto(f"{live_server.url}/kommune/165/?period_from=2016&period_to=2016")
    page.wait_for_selector("#chart-reports-per-1000 .main-svg")
    bars = page.locator("#chart-reports-per-1000 .point").count()
    assert bars == 3  # Vester, Øster, Lund for one year

    page.fill("#id_period_from", "2016H1")
    page.fill("#id_period_to", "2016H2")
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_url("**period_from=2016H1**")
    page.wait_for_selector("#chart-reports-per-1000 .main-svg")
    assert page.locator("#chart-reports-per-1000 .point").count() == 6  # two half-years
    section = page.locator("section", has=page.locator("#chart-reports-per-1000"))
    section.locator("summary").click()
    assert "2016H2" in section.locator("table").inner_text()

    with page.expect_download() as download:
        section.get_by_role("link", name="CSV", exact=True).click()  # not "CSV (dansk Excel)"
    path = download.value.path()
    assert open(path, encoding="utf-8-sig").readline().strip() == "period,district,reports,population,reports_per_1000"
