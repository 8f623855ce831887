"""ETags from the data version on data pages and downloads: a repeat visit is a 304, answered before the view
renders anything.

Which views: ``settings.ETAG_URL_NAMES`` (the dashboard, figure pages and downloads, the comparison page and
its download, the indicators page). The middleware sits after the access policy (``AccessPolicyMiddleware``
has let the request through, or answered it, before ``process_view`` here runs).

**What the ETag covers.** A page is the same page only for the same data, reader and request, so the tag is
a hash of
- the data version (``reports.versioning``: every import, rollback or edit of data bumps it),
- the reader: anonymous (public view) or the user's id, superuser flag, groups and roles per municipality
  (a changed role is a changed page), and the CSRF secret the page's forms carry (a new login gets a new
  page),
- the request: path and query string, language,
- today's date (default periods and "data til og med" follow the calendar), the settings that change
  figures (suppression, significance, age groups) and the code and templates running (a deploy shows its
  own pages, not the last release's).
A tag never matches across users, roles, languages, queries or data versions, so a 304 can only confirm a
page the same reader already holds.

**Cache-Control** (``README.md``, "Caching"): ``private, no-cache`` with the ETag – the browser keeps the
page but asks each time, and gets 304 while nothing changed – on public pages and on staff pages of
aggregates. Staff responses that show exact counts of charges or charged persons (the dashboard, which
holds fig. 6–8, and the personal figures' pages) keep ``private, no-store`` from
``accounts.security.NoStoreMiddleware`` and get no ETag: on a shared PC the browser's disk must not hold
them (issue 21). ``CACHE_PERSONAL_PAGES=true`` lets such pages revalidate too, where staff PCs are not
shared. Staff downloads of personal figures are audited on every download, so they always render.
A page carrying a message (``django.contrib.messages``) always renders, so the message is shown.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.http import parse_etags
from django.utils.translation import get_language

REVALIDATE = "private, no-cache"
# Source whose change changes pages (hashed once per process; the same release gives the same tags on
# every web node).
CODE_DIRS = ("accounts", "common", "comparisons", "districts", "dke_dashboard", "importers", "reports",
             "templates", "locale")
CODE_SUFFIXES = {".py", ".html", ".mo", ".json"}


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in CODE_DIRS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file() and "migrations" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def shows_person_counts(request: HttpRequest, url_name: str, kwargs: dict) -> bool:
    """Whether the response holds exact counts of charges or charged persons (staff only; public views
    are protected by suppression)."""
    if getattr(request, "public_view", False) or not request.user.is_authenticated:
        return False
    if url_name in settings.PERSON_COUNT_URL_NAMES:
        return True
    from reports.figures import FIGURES

    if url_name == "indicators":  # an indicator following a personal figure (the young people's share charged)
        return indicators_follow_persons(kwargs.get("code", ""), FIGURES)
    spec = FIGURES.get(kwargs.get("slug", ""))
    return spec is not None and spec.personal


def indicators_follow_persons(code: str, figures: dict) -> bool:
    """Whether an indicator of the municipality follows a personal figure: its page then shows that figure's
    values in full precision (the chart's data), which with the published population give exact counts."""
    from django.db.models import Q

    from comparisons.models import Indicator

    personal = Q()
    for slug, spec in figures.items():
        if spec.personal:
            personal |= Q(measure__startswith=f"figure:{slug}:") | Q(measure=f"figure:{slug}")
    return Indicator.objects.filter(personal, municipality__code=code).exists()


def reader(request: HttpRequest) -> tuple:
    user = request.user
    # The CSRF secret the page's forms are made from; a login rotates it, so a new login gets a new page.
    # A first visit without one gets its secret now, so that the page's tag is the one its next visit sends.
    if "CSRF_COOKIE" not in request.META:
        get_token(request)
    secret = request.META.get("CSRF_COOKIE")
    if not user.is_authenticated:
        return ("anonymous", getattr(request, "public_view", None), secret)
    roles = tuple(user.memberships.order_by("municipality_id", "role_id").values_list("municipality_id", "role__name"))
    groups = tuple(user.groups.order_by("name").values_list("name", flat=True))
    return (user.pk, user.is_superuser, user.is_staff, user.is_active, groups, roles, secret)


def data_etag(request: HttpRequest) -> str:
    from reports.versioning import data_version

    parts = (data_version(), reader(request), request.get_full_path(), get_language(),
             timezone.localdate().isoformat(), code_fingerprint(),
             tuple(repr(getattr(settings, name, None)) for name in settings.ETAG_SETTINGS))
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def matches(request: HttpRequest, etag: str) -> bool:
    """Weak comparison (RFC 9110 for If-None-Match): GZipMiddleware sends our tag as W/"…".

    ``*`` matches nothing here: a browser never sends it on a GET, and a 304 for it would confirm a page the
    reader never held (answered before the view's own checks, e.g. an unknown municipality's 404)."""
    sent = parse_etags(request.headers.get("If-None-Match", ""))
    return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in sent if tag != "*"}


def has_pending_messages(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return "messages" in request.COOKIES or (session is not None and "_messages" in session)


def revalidate(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = REVALIDATE
    response.headers.pop("Expires", None)
    response.cache_revalidate = True  # type: ignore[attr-defined]  # NoStoreMiddleware leaves it so
    return response


class DataETagMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        etag = getattr(request, "data_etag", None)
        if etag and response.status_code == 200 and not response.has_header("ETag"):
            revalidate(response, etag)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method not in ("GET", "HEAD") or match is None or match.url_name not in settings.ETAG_URL_NAMES:
            return None
        if has_pending_messages(request):
            return None
        if shows_person_counts(request, match.url_name, view_kwargs):
            if match.url_name.endswith("_download") or not settings.CACHE_PERSONAL_PAGES:
                return None  # no-store (and an audited download renders every time)
        etag = data_etag(request)
        request.data_etag = etag
        if matches(request, etag):
            return revalidate(HttpResponseNotModified(), etag)
        return None
