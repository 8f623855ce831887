"""Every URL × every kind of user → 200, 302 to login, or 403. No URL may be left out."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.access import POLICY

pytestmark = pytest.mark.django_db

ANON, STAFF, ANALYST, MANAGER, OTHER, SUPER = "anon", "Medarbejder", "Analytiker", "Leder", "other", "super"
USERS = [ANON, STAFF, ANALYST, MANAGER, OTHER, SUPER]
OK, LOGIN, DENY = 200, 302, 403

# expected status per URL name: (anon, staff, analyst, manager, user of another municipality, superuser)
FIGURES = (LOGIN, OK, OK, OK, DENY, OK)
EXPECTED = {
    "home": (OK,) * 6,
    "healthz": (OK,) * 6,
    "favicon": (301,) * 6,  # to the static icon
    "help": (OK,) * 6,
    "help_template": (OK,) * 6,
    "login": (OK, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),  # logged-in users are sent on
    "dashboard": FIGURES,
    "figure_detail": FIGURES,
    "figure_download": FIGURES,
    "password_change": (LOGIN, OK, OK, OK, OK, OK),
    "password_change_done": (LOGIN, OK, OK, OK, OK, OK),
    "audit_log": (LOGIN, DENY, OK, DENY, DENY, OK),
    "import_upload": (LOGIN, DENY, OK, DENY, DENY, OK),
    "import_batch_detail": (LOGIN, DENY, OK, DENY, DENY, OK),
    "import_status": (LOGIN, DENY, OK, DENY, DENY, OK),
    "data_quality": (LOGIN, DENY, OK, DENY, DENY, OK),
    "comparison": FIGURES,
    "comparison_download": FIGURES,
    "indicators": (LOGIN, OK, OK, OK, DENY, OK),
    "indicator_create": (LOGIN, DENY, DENY, OK, DENY, OK),
    "indicator_edit": (LOGIN, DENY, DENY, OK, DENY, OK),
    "report_list": (LOGIN, DENY, DENY, OK, DENY, OK),
    "report_edit": (LOGIN, DENY, DENY, OK, DENY, OK),
    "report_preview": (LOGIN, DENY, DENY, OK, DENY, OK),
    "report_pdf": (LOGIN, DENY, DENY, OK, DENY, OK),
}
POST_ONLY = {"import_confirm", "import_rollback", "import_resume", "report_section", "report_publish", "report_copy"}
SKIP = {"set_language", "logout"}  # POST-only actions, tested elsewhere
KWARGS = {"code": "165", "slug": "reports-per-1000", "fmt": "csv"}


@pytest.fixture
def batch(town):
    from importers.models import ImportBatch

    return ImportBatch.objects.create(kind="offences", status="done", municipality=town, file_name="x.csv")


@pytest.fixture
def indicator(town):
    from comparisons.models import Indicator

    return Indicator.objects.create(municipality=town, name="Test", measure="metric:x",
                                    baseline_period="2016", target_value=0, target_period="2021")


@pytest.fixture
def report(town):
    from reports.models import HalfYearReport

    return HalfYearReport.objects.create(municipality=town, period="2016H2", title="Test")


def url_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_url_has_a_policy_and_an_expectation():
    names = set(url_names()) - {"static", "serve"}
    assert names - set(POLICY) == set(), "URL names without an access rule"
    assert names - set(EXPECTED) - SKIP - POST_ONLY == set(), "URL names missing from the access matrix"


@pytest.fixture
def users(town, member, django_user_model):
    from districts.models import Municipality

    other_town, _ = Municipality.objects.get_or_create(code="169", defaults={"name": "Høje-Taastrup"})
    return {
        ANON: None,
        STAFF: member(STAFF, town),
        ANALYST: member(ANALYST, town),
        MANAGER: member(MANAGER, town),
        OTHER: member(STAFF, other_town, username="nabo"),
        SUPER: django_user_model.objects.create_superuser("root", password="x-kode-1234"),
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_access_matrix(client, users, batch, report, indicator, name):
    from django.urls import reverse
    from django.urls.exceptions import NoReverseMatch

    url = None
    for kwargs in ({}, {"code": KWARGS["code"]}, {k: KWARGS[k] for k in ("code", "slug")}, KWARGS,
                   {"code": KWARGS["code"], "fmt": "csv"}, {"code": KWARGS["code"], "indicator_id": indicator.pk},
                   {"batch_id": batch.pk}, {"report_id": report.pk}, {"kind": "offences", "fmt": "csv"}):
        try:
            url = reverse(name, kwargs=kwargs)
            break
        except NoReverseMatch:
            continue
    assert url, name
    for who, expected in zip(USERS, EXPECTED[name], strict=True):
        client.logout()
        if users[who] is not None:
            client.force_login(users[who])
        response = client.get(url)
        assert response.status_code == expected, (name, who, response.status_code)
        if expected == LOGIN and who == ANON:
            assert response["Location"].startswith("/konto/login/")


def test_public_view_opens_figures_but_nothing_else(client, town):
    town.public_view = True
    town.save()
    assert client.get("/kommune/165/").status_code == 200
    assert client.get("/revision/").status_code == 302
    page = client.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
    assert "Offentlig visning" in page


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_actions_need_their_role(client, users, batch, report, name):
    from django.urls import reverse

    if name.startswith("import"):
        url, wrong = reverse(name, kwargs={"batch_id": batch.pk}), (STAFF, MANAGER, OTHER)
    else:
        url, wrong = reverse(name, kwargs={"report_id": report.pk}), (STAFF, ANALYST, OTHER)
    for who, expected in [(ANON, LOGIN)] + [(w, DENY) for w in wrong]:
        client.logout()
        if users[who] is not None:
            client.force_login(users[who])
        assert client.post(url).status_code == expected, (name, who)
