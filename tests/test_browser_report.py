"""The report editor in headless Chromium: deleting a section or publishing asks first."""

import os
import shutil

import pytest

from reports.halfyear.services import report_create

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keep the roles a migration made
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def test_deleting_a_section_asks_first(browser_login, live_server, town, member):
    member("Leder", town)
    report = report_create(municipality=town, period="2016H2")
    contact = report.sections.get(title="Kontakt")
    page = browser_login("leder")
    page.goto(f"{live_server.url}/rapporter/{report.pk}/")
    section = page.locator("section", has_text="Kontakt (tekst)")
    questions = []

    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    section.locator("button", has_text="Slet afsnit").click()
    page.wait_for_timeout(300)
    assert questions == ["Slet afsnittet »Kontakt« og dets tekst?"]
    assert report.sections.filter(pk=contact.pk).exists()  # dismissed: nothing deleted

    page.once("dialog", lambda dialog: dialog.accept())
    section.locator("button", has_text="Slet afsnit").click()
    page.wait_for_load_state("networkidle")
    assert not report.sections.filter(pk=contact.pk).exists()

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("button", has_text="Offentliggør").click()
    page.wait_for_timeout(300)
    report.refresh_from_db()
    assert report.status == "draft"


def test_leaving_with_unsaved_text_asks_first_and_one_save_keeps_every_section(browser_login, live_server, town,
                                                                                 member):
    member("Leder", town)
    report = report_create(municipality=town, period="2016H2")
    summary, contact = report.sections.get(title="Resumé"), report.sections.get(title="Kontakt")
    page = browser_login("leder")
    page.goto(f"{live_server.url}/rapporter/{report.pk}/")
    page.fill(f"#body-{summary.pk}", "Et roligt halvår.")
    page.fill(f"#body-{contact.pk}", "DKE, Nordmarks Allé 1.")
    kinds = []
    page.once("dialog", lambda dialog: (kinds.append(dialog.type), dialog.dismiss()))
    page.locator("a", has_text="Halvårsrapporter").first.click()
    page.wait_for_timeout(500)
    assert kinds == ["beforeunload"] and page.url.endswith(f"/rapporter/{report.pk}/")
    page.locator("button", has_text="Gem rapporten").click()
    page.wait_for_load_state("networkidle")
    summary.refresh_from_db()
    contact.refresh_from_db()
    assert (summary.body, contact.body) == ("Et roligt halvår.", "DKE, Nordmarks Allé 1.")
    page.locator("a", has_text="Halvårsrapporter").first.click()  # saved: no question
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/rapporter/")
