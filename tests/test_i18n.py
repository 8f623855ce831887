"""English is available through Django's i18n: the catalogue is complete and compiled."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    """msgid → msgstr of the .po file (plural entries by their singular msgstr[0])."""
    text = CATALOGUE.joinpath("django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        msgid = "".join(re.findall(r'"(.*)"', (re.search(r'^msgid ((?:".*"\n?)+)', block, re.M) or [""])[0] or ""))
        found = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and found:
            entries[msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")] = (
                "".join(re.findall(r'"(.*)"', found.group(1))).encode().decode("unicode_escape")
                .encode("latin-1").decode("utf-8"))
    return entries


def test_every_string_is_translated_and_the_compiled_catalogue_is_current():
    entries = po_entries()
    assert len(entries) > 400
    assert [m for m, t in entries.items() if not t] == []
    with CATALOGUE.joinpath("django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m for m, t in entries.items() if compiled.gettext(m) != t]
    assert stale == [], "run: msgfmt -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po"


@pytest.mark.django_db
def test_pages_speak_english_when_chosen(client, town, member):
    client.force_login(member("Medarbejder", town))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
    assert "The crime picture in" in page and "Show table" in page and "Log out" in page
    assert "Kriminalitetsbilledet i" not in page
    client.post("/i18n/setlang/", {"language": "da", "next": "/"})
    assert "Kriminalitetsbilledet i" in client.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
