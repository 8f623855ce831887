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


@pytest.mark.django_db
def test_charts_and_tables_speak_english_when_chosen(client, town, member):
    """Chart titles, axes, legends and table headers follow the chosen language, not only the page around them."""
    import json

    from tests.pages import page_charts

    client.force_login(member("Medarbejder", town))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/kommune/165/?period_from=2016&period_to=2016")
    texts = json.dumps(page_charts(response.content.decode()), ensure_ascii=False)
    assert "Figure 2. " in texts and "Figur 2. " not in texts
    assert "Number of reported offences" in texts and "Antal anmeldelser" not in texts
    assert "Unknown district" in texts and "Ukendt bydel" not in texts  # U1 has no district
    page = response.content.decode()
    assert '<th scope="col">Offence category</th>' in page and ">Gerningstype<" not in page
    client.post("/i18n/setlang/", {"language": "da", "next": "/"})
    texts = json.dumps(page_charts(client.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()), ensure_ascii=False)
    assert "Figur 2. Anmeldelser pr. bydel" in texts and "Antal anmeldelser" in texts


@pytest.mark.django_db
def test_the_half_year_report_stays_danish_in_an_english_session(town):
    """The report is the municipality's published Danish document, whatever language its editor reads."""
    from django.utils import translation

    from reports.halfyear.render import report_html
    from reports.halfyear.services import report_create

    report = report_create(municipality=town, period="2016H2")
    with translation.override("en"):
        html = report_html(report)
    assert "Figur 2. Anmeldelser pr. bydel" in html and "Reported offences by district" not in html
    assert ">Gerningstype<" in html and ">Offence category<" not in html


def test_period_names_follow_the_language_and_stay_danish_by_default():
    from django.utils import translation

    from reports.dashboard import period_label
    from reports.periods import Period

    assert [period_label(Period.parse(p)) for p in ("2025H1", "2016K3", "2016")] == [
        "1. halvår 2025", "3. kvt. 2016", "2016"]
    with translation.override("en"):
        assert [period_label(Period.parse(p)) for p in ("2025H1", "2016K3", "2016")] == ["H1 2025", "Q3 2016", "2016"]
    assert Period.parse("2025H1").label == "1. halvår 2025"


def test_indicator_status_and_rule_follow_the_language():
    from django.utils import translation

    from comparisons.indicators import STATUS_LABELS, Line, indicator_status
    from reports.periods import Period

    line = Line(Period(2016), 82.7, Period(2021), 72.0)
    status, rule = indicator_status(line=line, baseline_period=Period(2016), direction="down",
                                    series={"2016": 82.7, "2018": 78.0})
    assert str(STATUS_LABELS[status]) == "På rette vej" and "højst linjens værdi" in rule and "78,4" in rule
    with translation.override("en"):
        status, rule = indicator_status(line=line, baseline_period=Period(2016), direction="up",
                                        series={"2016": 82.7, "2018": 78.0})
        assert str(STATUS_LABELS[status]) == "Off track"
        assert rule == ("The latest measurement (2018: 78.0) is compared with the straight line from the baseline to the "
                        "target, which in 2018 is 78.4. On track when the measurement is at least the line's value.")
