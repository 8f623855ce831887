"""WCAG 2.1 A/AA checks with axe-core (bundled by axe-playwright-python) on every kind of page; and no page
throws a script error (a chart whose data the browser cannot parse is simply not drawn)."""

import json
import os
import shutil
from importlib import resources

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def violations(page) -> list[str]:
    page.evaluate(resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8"))
    found = page.evaluate("rules => axe.run(document, {runOnly: rules}).then(r => r.violations)", AXE_RULES)
    return [f"{v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes'][:3]])}" for v in found]


def test_every_kind_of_page_passes_axe(browser_login, live_server, town, django_user_model, import_data):
    from importers.services import file_import
    from reports.halfyear.services import report_create

    django_user_model.objects.create_superuser("root", password="x-kode-1234")
    batch = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv", dry_run=True).batch
    report = report_create(municipality=town, period="2016H2")
    page = browser_login("root", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    paths = [
        "/", "/kommune/165/?period_from=2016&period_to=2016", "/kommune/165/figur/reports-per-1000/?period_from=2016",
        "/kommune/165/figur/charged-persons-residence/?period_from=2016", "/kommune/165/sammenligning/",
        "/kommune/165/maal/", "/kommune/165/maal/ny/", "/import/", f"/import/{batch.pk}/", "/datakvalitet/",
        "/rapporter/", f"/rapporter/{report.pk}/", f"/rapporter/{report.pk}/forhaandsvisning/", "/revision/",
        "/konto/adgangskode/", "/kommune/165/figur/young-charged-share/?period_from=2016&period_to=2018",
        "/kommune/165/?period_from=2015&period_to=2016&intervals=1",  # "Vis usikkerhed": intervals, error bars
    ]
    found = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    page.context.clear_cookies()  # logged out
    page.goto(f"{live_server.url}/konto/login/")
    found["/konto/login/"] = violations(page)
    assert {path: v for path, v in found.items() if v} == {}
    assert errors == []
