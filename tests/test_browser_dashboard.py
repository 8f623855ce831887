"""The dashboard in headless Chromium: filter, chart and table update, CSV download."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def page(live_server, town, member):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    member("Medarbejder", town)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        context = browser.new_context(accept_downloads=True, locale="da-DK")
        page = context.new_page()
        page.goto(f"{live_server.url}/konto/login/?next=/")
        page.fill("#id_username", "medarbejder")
        page.fill("#id_password", "x-kode-1234")
        page.click("main button[type=submit]")
        yield page
        browser.close()


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
        section.locator("a", has_text="CSV").click()
    path = download.value.path()
    assert open(path, encoding="utf-8").readline().strip() == "period,district,reports,population,reports_per_1000"
