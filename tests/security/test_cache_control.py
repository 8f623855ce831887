"""Issue 21, finding 7: every response to a logged-in user, and every download (also an anonymous one
from a public view), carries ``Cache-Control: private, no-store``: no shared cache or browser disk keeps
a page or file that held protected figures."""

import pytest

pytestmark = pytest.mark.django_db
NO_STORE = "private, no-store"

PAGES = ["/", "/kommune/165/", "/kommune/165/figur/reports-per-1000/", "/kommune/165/sammenligning/",
         "/kommune/165/maal/", "/import/", "/datakvalitet/", "/revision/", "/rapporter/", "/konto/adgangskode/",
         "/admin/", "/admin/reports/charge/"]
DOWNLOADS = ["/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2017",
             "/kommune/165/figur/charges-by-category.xlsx?period_from=2016&period_to=2017",
             "/kommune/165/figur/offence-mix.json?period_from=2016&period_to=2017",
             "/kommune/165/sammenligning.csv"]


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


def test_a_redirect_and_an_error_to_a_logged_in_user_are_not_stored_either(chef):
    assert chef.get("/kommune/999/")["Cache-Control"] == NO_STORE  # 404
    assert chef.get("/import/999999/")["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("url", DOWNLOADS)
def test_anonymous_downloads_of_a_public_view_are_not_stored(client, reference, url):
    albertslund = reference["165"]
    albertslund.public_view = True
    albertslund.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
