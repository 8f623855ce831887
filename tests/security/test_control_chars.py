"""Issue 21, finding 7: a NUL or another control character in a URL's path or query is answered 400 (or
404), never 500 — on every URL pattern of the URLconf, anonymously and logged in. (PostgreSQL refuses
NUL in text: unguarded views answered 500 for the URLs below.)"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

ISSUE_URLS = ["/kommune/%00/", "/kommune/%00/maal/", "/kommune/%00/sammenligning/",
              "/kommune/165/sammenligning/?category=%00", "/revision/?handling=%00", "/datakvalitet/?kommune=%00"]
# the query parameters the views read, each given a NUL (and one nobody reads)
QUERY = "&".join(f"{key}=%00" for key in (
    "category", "handling", "kommune", "period_from", "period_to", "district", "basis", "side", "format", "group",
    "municipalities", "q", "next", "o", "p", "x"))


def _route(pattern) -> str | None:
    """A pattern's text with each parameter replaced by %00; None for a regex this cannot write out."""
    text = str(pattern.pattern)
    if "<" in text and "(?P" not in text:  # path(): <converter:name>
        return re.sub(r"<[^>]+>", "%00", text)
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "%00", text).lstrip("^").rstrip("$").replace("\\", "")
    return None if re.search(r"[()\[\]*+?|{}]", text) else text


def url_paths(resolver=None, prefix="") -> list[str]:
    paths = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = _route(entry)
        if route is None:
            continue
        if isinstance(entry, URLResolver):
            paths += url_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return sorted(set(paths))


def test_the_walk_covers_the_urlconf():
    paths = url_paths()
    assert len(paths) > 100  # the admin's patterns and every app's
    for expected in ("/kommune/%00/", "/kommune/%00/maal/", "/kommune/%00/sammenligning/", "/revision/",
                     "/datakvalitet/", "/import/%00/", "/admin/reports/charge/%00/change/"):
        assert expected in paths, expected


@pytest.fixture(params=["anonymous", "superuser", "analyst"])
def browser(request, client, django_user_model, reference):
    if request.param == "superuser":
        client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    elif request.param == "analyst":
        from django.contrib.auth.models import Group

        from accounts.models import Membership

        user = django_user_model.objects.create_user("ana", password="x-kode-1234")
        Membership.objects.create(user=user, municipality=reference["165"], role=Group.objects.get(name="Analytiker"))
        client.force_login(user)
    return client


def test_every_url_pattern_with_a_nul_in_its_parameters_and_query(browser):
    failures = []
    for path in url_paths():
        for url in (path, f"{path}?{QUERY}", f"{path.replace('%00', '165')}?{QUERY}"):
            for method in (browser.get, browser.post):
                status = method(url).status_code
                if status >= 500:
                    failures.append((method.__name__, url, status))
    assert not failures


@pytest.mark.parametrize("url", ISSUE_URLS)
def test_the_urls_of_the_issue_are_refused(browser, url):
    assert browser.get(url).status_code in (400, 404)


@pytest.mark.parametrize("character", ["%00", "%01", "%0A", "%0D", "%1B", "%1F", "%7F"])
def test_control_characters_in_path_or_query_are_400(browser, character):
    assert browser.get(f"/kommune/165{character}/").status_code == 400
    assert browser.get(f"/datakvalitet/?kommune={character}").status_code == 400
    assert browser.get(f"/kommune/165/sammenligning/?{character}=1").status_code == 400


def test_ordinary_urls_still_answer(browser):
    assert browser.get("/healthz").status_code == 200
    assert browser.get("/kommune/165/?period_from=2016&period_to=2017").status_code in (200, 302)
    assert browser.get("/kommune/165/?district=%C3%98ster").status_code in (200, 302)  # Danish letters are fine
