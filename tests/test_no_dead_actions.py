"""Actions are shown only to roles that can use them: no link or button leads to 403 (issue 25)."""

import pytest
from django.core.management import call_command

from tests.crawl import crawl, page_targets

pytestmark = pytest.mark.django_db


def test_walking_the_demo_as_each_role_meets_no_forbidden_page(settings):
    """Every link and form target reachable from the front page, as medarbejder, leder and analytiker: none
    answers 403 (nor sends to the admin's login, a dead end for users who are not staff)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    call_command("load_demo", seed=1, verbosity=0)
    walked = {}
    for username in ("medarbejder", "leder", "analytiker"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        seen = crawl(client, "/")
        walked[username] = seen
        forbidden = {path: source for path, (status, source) in seen.items() if status == 403}
        assert not forbidden, (username, forbidden)
        dead_admin = {path: source for path, (status, source) in seen.items()
                      if path.startswith("/admin/") and status == 302}
        assert not dead_admin, (username, dead_admin)
    # the walk did reach the pages it is about
    assert {"/kommune/165/", "/kommune/165/maal/", "/hjaelp/"} <= set(walked["medarbejder"])
    assert {"/rapporter/", "/kommune/165/maal/ny/"} <= set(walked["leder"])
    assert {"/import/", "/datakvalitet/"} <= set(walked["analytiker"])
    assert "/kommune/165/maal/ny/" not in walked["medarbejder"] and "/rapporter/" not in walked["medarbejder"]


def test_a_medarbejder_sees_no_indicator_actions_and_calling_them_is_still_refused(client, town, member):
    from comparisons.demo import demo_indicators_create
    from comparisons.models import Indicator

    demo_indicators_create(town)
    first = Indicator.objects.filter(municipality=town).first()
    edit = f"/kommune/165/maal/{first.pk}/"
    client.force_login(member("Medarbejder", town))
    page = client.get("/kommune/165/maal/").content.decode()
    targets = {url for url, _kind in page_targets(page, "/kommune/165/maal/")}
    assert "Ny indikator" not in page and ">Ret<" not in page
    assert "/kommune/165/maal/ny/" not in targets and edit not in targets
    # the server still refuses when the URL is called directly
    assert client.get("/kommune/165/maal/ny/").status_code == 403
    assert client.get(edit).status_code == 403
    response = client.post(edit, {"name": "x", "measure": first.measure, "direction": "down",
                                  "baseline_period": "2016", "target_value": 1, "target_period": "2020", "order": 0})
    assert response.status_code == 403 and Indicator.objects.get(pk=first.pk).name == first.name
    client.logout()
    client.force_login(member("Leder", town))
    page = client.get("/kommune/165/maal/").content.decode()
    targets = {url for url, _kind in page_targets(page, "/kommune/165/maal/")}
    assert "Ny indikator" in page and {"/kommune/165/maal/ny/", edit} <= targets
    assert client.get(edit).status_code == 200
