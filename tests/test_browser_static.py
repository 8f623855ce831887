"""Issue 25 in headless Chromium: the partial Plotly bundle draws every chart without a console error, charts
follow their container's width, and on a phone-sized screen the Plotly toolbar is hidden."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keep the roles a migration made
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]

VISIBLE_TOOLBARS = ("Array.from(document.querySelectorAll('.modebar-container'))"
                    ".filter(e => getComputedStyle(e).display !== 'none').length")
WIDER_THAN_BOX = ("Array.from(document.querySelectorAll('[data-chart]')).filter(e => e.querySelector('.main-svg')"
                  " && e.querySelector('.main-svg').getBoundingClientRect().width > e.getBoundingClientRect().width + 1)"
                  ".length")


@pytest.fixture
def page(browser_login, town, member):
    member("Medarbejder", town)
    return browser_login("medarbejder")


def test_every_chart_draws_resizes_and_loses_its_toolbar_on_a_phone(page, live_server):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/kommune/165/?period_from=2016&period_to=2016")
    page.wait_for_load_state("networkidle")
    charts = page.locator("[data-chart]").count()
    assert charts >= 8
    assert page.locator("[data-chart] .main-svg").count() >= charts  # every chart drawn by the bundle
    page.hover("#chart-reports-per-1000")
    assert page.evaluate(VISIBLE_TOOLBARS) >= 1  # the toolbar is there on a desktop

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(500)  # Plotly's resize and the ResizeObserver run on the next frames
    assert page.evaluate(WIDER_THAN_BOX) == 0  # every chart fits its narrower box
    width = page.evaluate("document.querySelector('#chart-reports-per-1000 .main-svg').getBoundingClientRect().width")
    assert width <= 390
    page.hover("#chart-reports-per-1000")
    assert page.evaluate(VISIBLE_TOOLBARS) == 0  # no toolbar over the titles on a phone
    assert not errors
