"""Central access control and security headers."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from districts.models import Municipality

from .access import POLICY, SELF_GUARDED_NAMESPACES, Rule, has_role


def _municipality(request: HttpRequest, kwargs: dict, objects: dict) -> Municipality | None:
    code = kwargs.get("code")
    if code:
        return Municipality.objects.filter(code=code).first()
    for keyword, municipality_of in objects.items():
        if keyword in kwargs:
            return municipality_of(kwargs[keyword])
    return None


class AccessPolicyMiddleware:
    """Checks ``POLICY`` for every view.

    A page about an object of an app above accounts (an import batch, a report) names it by a URL keyword;
    the project's subclass (``dke_dashboard.middleware``) says which municipality such an object belongs to
    (``object_municipality``) and which further municipalities grant access to it (``object_grants``), so
    accounts imports none of those apps.
    """

    # URL keyword → the municipality of the object it names (None: no such object)
    object_municipality: dict[str, Callable[[object], Municipality | None]] = {}
    # URL keyword → whether ``user`` holds one of ``roles`` for a further municipality of the object
    object_grants: dict[str, Callable[..., bool]] = {}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or SELF_GUARDED_NAMESPACES & set(match.namespaces):
            return None
        if request.path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL):
            return None
        rule = POLICY.get(match.url_name or "", Rule(roles=()))
        user = request.user
        if rule.anonymous:
            return None
        if not user.is_authenticated:
            if rule.public_figures:
                municipality = _municipality(request, view_kwargs, self.object_municipality)
                if municipality is not None and municipality.public_view:
                    request.public_view = True
                    return None
            return redirect_to_login(request.get_full_path())
        request.public_view = False
        if user.is_superuser or rule.login_only:
            return None
        municipality = _municipality(request, view_kwargs, self.object_municipality)
        if "code" in view_kwargs and municipality is None:
            return None  # the view answers 404 itself
        if rule.roles and has_role(user, rule.roles, municipality):
            return None
        for keyword, grants in self.object_grants.items():
            if keyword in view_kwargs and rule.roles and grants(user, rule.roles, view_kwargs[keyword]):
                return None
        return render(request, "403.html", {"reason": "role"}, status=403)


class SecurityHeadersMiddleware:
    """CSP without inline scripts, and the headers Django does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


_current_user: ContextVar = ContextVar("current_user", default=None)


def current_user():
    """The logged-in user of the request being served (for audit entries from signals)."""
    return _current_user.get()


class CurrentUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        token = _current_user.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _current_user.reset(token)
