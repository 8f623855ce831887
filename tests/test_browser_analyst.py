"""The analyst's pages in a real browser with axe: the help page, the upload form adapting to a DST file, a
preview with errors, and the Danish admin. Screenshots go to DKE_SHOTS when it is set (for the closing note)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.test_browser_a11y import CHROMIUM, violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
DATA = Path(__file__).parent / "data"
SHOTS = os.environ.get("DKE_SHOTS")


def shot(page, name: str, **kwargs) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"analyst-{name}.png"), **kwargs)


def test_help_upload_preview_and_admin_in_a_browser(browser_login, live_server, reference, member,
                                                    django_user_model, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_RUN_INLINE = True
    from django.contrib.auth.models import Group

    user = member("Analytiker", reference["165"])
    user.groups.add(Group.objects.get(name="Systemansvarlig"))  # the DST file holds Ishøj too: shared data (issue 21)
    page = browser_login("analytiker", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/hjaelp/")
    assert violations(page) == []
    assert page.locator("#fil-anmeldelser").is_visible()
    shot(page, "help")
    page.goto(f"{live_server.url}/hjaelp/#fil-dst")
    shot(page, "help-dst")

    page.goto(f"{live_server.url}/import/")
    assert page.locator("#fields-dst").is_hidden() and page.locator("#fields-boundaries").is_hidden()
    assert page.locator("#fields-police").is_visible()
    assert page.locator("#id_municipality").input_value() == str(reference["165"].pk)  # preselected
    page.set_input_files("#id_file", str(DATA / "dst" / "uden_titel.csv"))
    page.locator("#fields-dst").wait_for(state="visible")
    assert page.locator("#fields-police").is_hidden()
    assert "Danmarks Statistik" in page.locator("#kind-detected").inner_text()
    page.focus("#id_dst_table")  # reachable by keyboard: plain controls in the tab order
    page.select_option("#id_dst_table", "STRAF11")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_dst_fixed"
    page.select_option("#id_dst_fixed", "OVERTRÆD=TOT")
    assert violations(page) == []
    shot(page, "upload-dst")
    page.select_option("#id_kind", "boundaries")
    assert page.locator("#fields-boundaries").is_visible()
    page.select_option("#id_kind", "auto")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/import/*/")
    assert "Godkend og indlæs" in page.content()

    bad = tmp_path / "anmeldelser.csv"
    lines = ["Journalnummer;Forhold;Anmeldt dato;Gerningsdato;Gerningskode;Gerningssted;Kommunekode"]
    lines += [f"0400-70211-{n:05d}-16;{'x' if n == 2 else ''};{'31-02-2016' if n > 3 else '03-02-2016'};;"
              f"{'7324' if n == 3 else '73241'};Hyldespjældet {n};{'' if n == 1 else 165}" for n in range(1, 40)]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(f"{live_server.url}/import/")
    page.set_input_files("#id_file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/import/*/")
    text = page.locator("main").inner_text()
    assert "Anmeldt dato kan ikke læses i 36 rækker: 5, 6, 7 …" in text and "--" not in text
    assert "x → læst som fejl" in " ".join(text.split())  # "x → fejl" on screen; "læst som" for screen readers
    assert violations(page) == []
    shot(page, "preview-errors", full_page=True)

    django_user_model.objects.create_superuser("root", password="x-kode-1234")
    admin = browser_login("root", bypass_csp=True)
    admin.set_viewport_size({"width": 1280, "height": 900})
    admin.goto(f"{live_server.url}/admin/")
    assert admin.title() == "Data, brugere og roller | Tryghedsdata – administration"
    assert admin.locator("#site-name").inner_text() == "Tryghedsdata – administration"
    assert violations(admin) == []
    shot(admin, "admin")
    assert errors == []


def test_screenshots_folder_is_optional():
    assert SHOTS is None or shutil.os.path.isdir(SHOTS)
