"""Issue 21, finding 7: every response to a logged-in user that shows exact counts of charges or charged
persons, every other page of a logged-in user that is not a data page, and every staff download of a personal
figure carries ``Cache-Control: private, no-store``: no shared cache or browser disk keeps them.

Issue 25: data pages and downloads of aggregates (offence reports, DST comparisons, indicators) and every
public page and download (already protected by suppression) are ``private, no-cache`` with an ETag from the
data version instead: no shared cache keeps them, the browser asks every time and gets 304 while nothing
changed (``dke_dashboard/conditional.py``)."""

import pytest

pytestmark = pytest.mark.django_db
NO_STORE = "private, no-store"

REVALIDATE = "private, no-cache"
PAGES = ["/", "/kommune/165/", "/kommune/165/figur/charges-by-category/", "/import/", "/datakvalitet/",
         "/revision/", "/rapporter/", "/konto/adgangskode/", "/admin/", "/admin/reports/charge/"]
DOWNLOADS = ["/kommune/165/figur/charges-by-category.xlsx?period_from=2016&period_to=2017",
             "/kommune/165/figur/charged-persons-residence.csv?period_from=2016&period_to=2017"]
AGGREGATES = ["/kommune/165/figur/reports-per-1000/", "/kommune/165/sammenligning/", "/kommune/165/maal/",
              "/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2017",
              "/kommune/165/figur/offence-mix.json?period_from=2016&period_to=2017",
              "/kommune/165/sammenligning.csv"]
PUBLIC = ["/kommune/165/", "/kommune/165/figur/charges-by-category/",
          "/kommune/165/figur/charges-by-category.xlsx?period_from=2016&period_to=2017",
          "/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2017"]


@pytest.fixture
def chef(client, django_user_model, reference):
    client.force_login(django_user_model.objects.create_superuser("chef", password="x-kode-1234"))
    return client


@pytest.mark.parametrize("url", PAGES + DOWNLOADS)
def test_logged_in_pages_and_downloads_are_not_stored(chef, url):
    response = chef.get(url)
    assert response.status_code == 200, url
    assert response["Cache-Control"] == NO_STORE
    assert "Expires" not in response
    assert not response.has_header("ETag")


def test_a_redirect_and_an_error_to_a_logged_in_user_are_not_stored_either(chef):
    assert chef.get("/kommune/999/")["Cache-Control"] == NO_STORE  # 404
    assert chef.get("/import/999999/")["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("url", AGGREGATES)
def test_staff_pages_and_downloads_of_aggregates_are_revalidated_not_stored_by_shared_caches(chef, url):
    response = chef.get(url)
    assert response.status_code == 200, url
    assert response["Cache-Control"] == REVALIDATE
    assert response["ETag"]
    assert "Expires" not in response


@pytest.mark.parametrize("url", PUBLIC)
def test_anonymous_pages_and_downloads_of_a_public_view_are_revalidated(client, reference, url):
    albertslund = reference["165"]
    albertslund.public_view = True
    albertslund.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == REVALIDATE
    assert response["ETag"]


@pytest.mark.parametrize("url", ["/kommune/165/", "/kommune/165/figur/charges-by-category/"])
def test_staff_pages_with_person_counts_may_revalidate_where_pcs_are_not_shared(chef, settings, url):
    settings.CACHE_PERSONAL_PAGES = True
    response = chef.get(url)
    assert response["Cache-Control"] == REVALIDATE and response["ETag"]
    # an audited download still renders every time and is never stored
    download = chef.get("/kommune/165/figur/charges-by-category.csv?period_from=2016&period_to=2017")
    assert download["Cache-Control"] == NO_STORE and not download.has_header("ETag")
