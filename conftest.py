"""Shared fixtures: a municipality with districts, category rules, users per role."""

import datetime as dt

import pytest


@pytest.fixture
def albertslund(db):
    from districts.models import District, Municipality

    muni = Municipality.objects.create(
        code="165", name="Albertslund", police_district="Københavns Vestegns Politi",
        group_code="1", group_name="Hovedstadskommuner",
    )
    for order, name in enumerate(["Vester", "Øster", "Lund"]):
        District.objects.create(municipality=muni, name=name, slug=name.lower().replace("ø", "oe"), order=order)
    return muni


@pytest.fixture
def dke_categories(db):
    """The four DKE categories with police and DST rules (a small, hand-made set)."""
    from reports.categories import category_membership_refresh
    from reports.models import CategoryRule, OffenceCategory

    rules = {
        "tyveri": [("politi", "75", False), ("politi", "753", True), ("dst", "133", False)],
        "vold": [("politi", "732", False), ("dst", "125", False)],
        "indbrud": [("politi", "753", False), ("dst", "131", False), ("dst", "132", False)],
        "narko": [("politi", "841", False), ("dst", "3210", False), ("dst", "1435", False)],
    }
    names = {"tyveri": "Tyverier", "vold": "Vold", "indbrud": "Indbrud", "narko": "Lov om euforiserende stoffer"}
    for order, (slug, slug_rules) in enumerate(rules.items()):
        cat = OffenceCategory.objects.create(slug=slug, name=names[slug], order=order)
        for source, prefix, exclude in slug_rules:
            CategoryRule.objects.create(category=cat, source=source, prefix=prefix, exclude=exclude)
    category_membership_refresh()
    return OffenceCategory.objects.all()


@pytest.fixture
def today():
    return dt.date(2017, 11, 1)


@pytest.fixture
def reference(db):
    """The real reference data without the national population series (fast)."""
    from seeding.reference import (
        LoadSummary,
        albertslund_load,
        categories_load,
        municipalities_load,
    )

    summary = LoadSummary()
    municipalities = municipalities_load(summary)
    albertslund_load(summary, municipalities["165"])
    categories_load(summary, municipalities)
    return municipalities


@pytest.fixture
def import_data():
    """Read a file of tests/data/import as bytes."""
    from pathlib import Path

    folder = Path(__file__).parent / "tests" / "data" / "import"
    return lambda name: (folder / name).read_bytes()


@pytest.fixture
def town(albertslund, dke_categories):
    """Vester 1000 residents, Øster 2000, Lund 500 (on 1 July 2016 and 1 April/1 October 2016).

    Offences 2016 (report date; offence date in brackets):
      Vester: 73241 vold (Mar 3 [Feb 27]), 75110 tyveri (Aug 1 [Jul 30])
      Øster : 75310 indbrud (Feb 1 [Jan 31]), 75310 indbrud (Jul 10 [Jul 9]), 84110 narko (Oct 5 [Oct 5])
      Lund  : 75110 tyveri (Jan 2 [Dec 30, 2015]), 73241 vold (Nov 20 [Nov 19])
      unknown district: 75110 tyveri (May 5 [May 4])
      99999 (in no category) in Vester (Jun 1)
    """
    from districts.models import District, Municipality, PopulationCount
    from reports.models import Charge, ReportedOffence

    districts = {d.name: d for d in District.objects.filter(municipality=albertslund)}
    for name, count in {"Vester": 1000, "Øster": 2000, "Lund": 500}.items():
        for day in (dt.date(2016, 4, 1), dt.date(2016, 7, 1), dt.date(2016, 10, 1)):
            PopulationCount.objects.create(municipality=albertslund, district=districts[name], date=day, count=count)
    rows = [
        ("V1", "Vester", "73241", dt.date(2016, 3, 3), dt.date(2016, 2, 27)),
        ("V2", "Vester", "75110", dt.date(2016, 8, 1), dt.date(2016, 7, 30)),
        ("O1", "Øster", "75310", dt.date(2016, 2, 1), dt.date(2016, 1, 31)),
        ("O2", "Øster", "75310", dt.date(2016, 7, 10), dt.date(2016, 7, 9)),
        ("O3", "Øster", "84110", dt.date(2016, 10, 5), dt.date(2016, 10, 5)),
        ("L1", "Lund", "75110", dt.date(2016, 1, 2), dt.date(2015, 12, 30)),
        ("L2", "Lund", "73241", dt.date(2016, 11, 20), dt.date(2016, 11, 19)),
        ("U1", None, "75110", dt.date(2016, 5, 5), dt.date(2016, 5, 4)),
        ("X1", "Vester", "99999", dt.date(2016, 6, 1), dt.date(2016, 6, 1)),
    ]
    from reports.categories import offence_codes_register

    offence_codes_register(source="politi", codes={code: "" for _j, _d, code, _r, _o in rows})
    offences = {}
    for journal, district, code, report, offence in rows:
        offences[journal] = ReportedOffence.objects.create(
            journal_number=journal, report_date=report, offence_date=offence, code=code,
            municipality=albertslund, district=districts.get(district),
        )
    hoje = Municipality.objects.create(code="169", name="Høje-Taastrup")
    charges = [
        # person, offence, charge date, home municipality, home district
        ("p1", "O1", dt.date(2016, 2, 10), albertslund, "Vester"),
        ("p1", "O3", dt.date(2016, 10, 9), hoje, None),  # p1's first charge in 2016 is O1: lives in Vester
        ("p2", "O3", dt.date(2016, 10, 9), hoje, None),
        ("p3", "L2", dt.date(2016, 12, 1), None, None),
        ("p4", "L1", dt.date(2016, 1, 20), albertslund, "Lund"),
        ("p4", "V1", dt.date(2016, 3, 5), albertslund, "Lund"),
    ]
    for person, journal, day, home, home_district in charges:
        Charge.objects.create(
            journal_number=journal, forhold=1, person_key=person, offence=offences[journal], charge_date=day,
            home_municipality=home, home_district=districts.get(home_district),
        )
    from reports.aggregates import aggregates_refresh

    aggregates_refresh(municipality_ids={albertslund.pk})
    return albertslund


@pytest.fixture
def member(db, django_user_model):
    """member(role, municipality) → a user holding that role there."""
    from django.contrib.auth.models import Group

    from accounts.models import Membership

    def make(role: str, municipality, username: str | None = None):
        user = django_user_model.objects.create_user(username or role.lower(), password="x-kode-1234")
        Membership.objects.create(user=user, municipality=municipality, role=Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def analyst(client, reference, member, settings, tmp_path):
    """The test client, logged in as Albertslund's analyst; imports run inline, uploads wait in ``tmp_path``."""
    settings.IMPORT_RUN_INLINE = True
    settings.MEDIA_ROOT = tmp_path
    client.force_login(member("Analytiker", reference["165"]))
    return client


@pytest.fixture
def system_analyst(analyst):
    """Albertslund's analyst who is also "Systemansvarlig": may load shared data (categories, DST files of all areas)."""
    from django.contrib.auth import get_user
    from django.contrib.auth.models import Group

    get_user(analyst).groups.add(Group.objects.get(name="Systemansvarlig"))
    return analyst


@pytest.fixture(autouse=True)
def _no_background_warming(settings):
    """Dashboards are warmed in a background thread after imports; tests that want it call it themselves."""
    settings.FIGURE_WARM_AFTER_WRITE = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: its database starts afresh, and so does the data version."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def browser_login(live_server):
    """browser_login(username) → a Playwright page in Debian's Chromium, logged in (password x-kode-1234)."""
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])

        def login(username: str, *, bypass_csp: bool = False):
            # bypass_csp: only for injecting a checker (axe) into the page; the app's own CSP stays as it is
            page = browser.new_context(accept_downloads=True, locale="da-DK", bypass_csp=bypass_csp).new_page()
            page.goto(f"{live_server.url}/konto/login/?next=/")
            page.fill("#id_username", username)
            page.fill("#id_password", "x-kode-1234")
            page.click("main button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            return page

        yield login
        browser.close()
        # While Playwright's event loop runs, Django keeps the test's connection apart from the usual
        # one; close it, or PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()
