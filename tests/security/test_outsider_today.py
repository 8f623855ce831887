"""Issue 25's new features attacked from outside: the data ETags (``dke_dashboard/conditional.py``), the new
download formats (``….da.csv``, XLSX with "Om tallene", the comparison's downloads) and the indicator forms.

Each test is a probe an outsider (or a curious colleague) would try; a test that pins a hole found here says so.
"""

from __future__ import annotations

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
