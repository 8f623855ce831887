"""Issue 25, weight and caching: data pages and downloads carry an ETag from the data version, and a repeat
visit is a 304 answered before the view renders; the tag differs per reader, role, language, query and data
version, so a kept page is never confirmed to another reader or after new data (``dke_dashboard/conditional.py``)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import Membership
from reports.versioning import data_changed

pytestmark = pytest.mark.django_db

PAGE = "/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2016"
DOWNLOAD = "/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2016"


@pytest.fixture
def staff(client, town, member):
    client.force_login(member("Medarbejder", town))
    return client


def login(member, town, role="Medarbejder", username=None) -> Client:
    client = Client()
    client.force_login(member(role, town, username))
    return client


def again(client, url, etag, **headers):
    return client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)


def test_a_repeat_visit_is_a_304_without_running_the_view(staff, monkeypatch):
    first = staff.get(PAGE)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    assert first["Cache-Control"] == "private, no-cache"

    def render_refused(**_kwargs):
        raise AssertionError("the view rendered although the page had not changed")

    monkeypatch.setattr("reports.views.figure_block", render_refused)
    repeat = again(staff, PAGE, etag)
    assert repeat.status_code == 304
    assert repeat.content == b""
    assert repeat["ETag"] == etag
    assert repeat["Cache-Control"] == "private, no-cache"


def test_a_download_is_a_304_too(staff):
    first = staff.get(DOWNLOAD)
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    assert again(staff, DOWNLOAD, first["ETag"]).status_code == 304


def test_a_gzipped_page_has_a_weak_tag_that_matches(staff):
    first = staff.get(PAGE, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    weak = first["ETag"]
    assert weak.startswith('W/"')  # GZipMiddleware weakens the tag of a body it compressed
    assert again(staff, PAGE, weak, HTTP_ACCEPT_ENCODING="gzip").status_code == 304
    assert again(staff, PAGE, weak).status_code == 304  # the same page, whatever the encoding


def test_new_data_is_a_200_with_a_new_tag(staff):
    etag = staff.get(PAGE)["ETag"]
    data_changed()  # what every import, rollback and edit of data does
    response = again(staff, PAGE, etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert again(staff, PAGE, response["ETag"]).status_code == 304


def test_another_user_with_the_same_role_never_gets_a_304_for_a_kept_page(staff, member, town):
    etag = staff.get(PAGE)["ETag"]
    other = login(member, town, username="kollega")
    response = again(other, PAGE, etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_changed_role_is_a_changed_page(staff, town):
    etag = staff.get(PAGE)["ETag"]
    user = Membership.objects.get().user
    Membership.objects.create(user=user, municipality=town, role=Group.objects.get(name="Leder"))
    response = again(staff, PAGE, etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_new_login_of_the_same_user_gets_a_fresh_page(staff):
    """The page's forms carry the session's CSRF token: a page kept from an earlier login would post a stale one."""
    etag = staff.get(PAGE)["ETag"]
    user = Membership.objects.get().user
    staff.logout()
    staff.force_login(user)
    assert again(staff, PAGE, etag).status_code == 200


def test_language_and_query_change_the_tag(staff):
    etag = staff.get(PAGE)["ETag"]
    english = again(staff, PAGE, etag, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and english["ETag"] != etag
    other_period = PAGE.replace("period_to=2016", "period_to=2017")
    response = again(staff, other_period, etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_public_and_staff_tags_differ_and_a_public_repeat_is_a_304(staff, town):
    town.public_view = True
    town.save()
    staff_tag = staff.get(PAGE)["ETag"]
    visitor = Client()
    first = visitor.get(PAGE)
    assert first.status_code == 200 and first["ETag"] != staff_tag
    assert again(visitor, PAGE, staff_tag).status_code == 200
    assert again(visitor, PAGE, first["ETag"]).status_code == 304
    public_dashboard = visitor.get("/kommune/165/")
    assert public_dashboard["Cache-Control"] == "private, no-cache"
    assert again(visitor, "/kommune/165/", public_dashboard["ETag"]).status_code == 304


def test_a_municipality_closing_its_public_view_is_not_confirmed_to_a_visitor(town):
    town.public_view = True
    town.save()
    visitor = Client()
    etag = visitor.get(PAGE)["ETag"]
    town.public_view = False
    town.save()
    response = again(visitor, PAGE, etag)
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_staff_dashboard_with_person_counts_has_no_tag_and_is_not_stored(staff):
    response = staff.get("/kommune/165/?period_from=2016&period_to=2016")
    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert response["Cache-Control"] == "private, no-store"


def test_a_page_with_a_message_to_show_always_renders(staff):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    etag = staff.get(PAGE)["ETag"]
    staff.cookies["messages"] = CookieStorage(None)._encode([Message(constants.INFO, "Gemt")])
    assert again(staff, PAGE, etag).status_code == 200


def test_comparison_and_indicators_pages_are_tagged(staff):
    for url in ("/kommune/165/sammenligning/", "/kommune/165/maal/"):
        first = staff.get(url)
        assert first.status_code == 200, url
        assert again(staff, url, first["ETag"]).status_code == 304, url
