"""Central access control and security headers."""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from districts.models import Municipality

from .access import POLICY, SELF_GUARDED_NAMESPACES, Rule, has_role


def _municipality(request: HttpRequest, kwargs: dict) -> Municipality | None:
    code = kwargs.get("code")
    if code:
        return Municipality.objects.filter(code=code).first()
    if "batch_id" in kwargs:
        from importers.models import ImportBatch

        batch = ImportBatch.objects.filter(pk=kwargs["batch_id"]).select_related("municipality").first()
        return batch.municipality if batch else None
    if "report_id" in kwargs:
        from reports.models import HalfYearReport

        report = HalfYearReport.objects.filter(pk=kwargs["report_id"]).select_related("municipality").first()
        return report.municipality if report else None
    return None


def _batch_touches_role(user, roles, batch_id) -> bool:
    """Whether ``user`` holds one of ``roles`` for a municipality the batch touched."""
    from importers.models import ImportBatch

    touched = ImportBatch.municipalities.through.objects.filter(importbatch_id=batch_id).values("municipality_id")
    return user.memberships.filter(role__name__in=roles, municipality_id__in=touched).exists()


class AccessPolicyMiddleware:
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
                municipality = _municipality(request, view_kwargs)
                if municipality is not None and municipality.public_view:
                    request.public_view = True
                    return None
            return redirect_to_login(request.get_full_path())
        request.public_view = False
        if user.is_superuser or rule.login_only:
            return None
        municipality = _municipality(request, view_kwargs)
        if "code" in view_kwargs and municipality is None:
            return None  # the view answers 404 itself
        if rule.roles and has_role(user, rule.roles, municipality):
            return None
        if "batch_id" in view_kwargs and rule.roles and _batch_touches_role(user, rule.roles, view_kwargs["batch_id"]):
            return None  # a batch is also its touched municipalities' (the view narrows it further)
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
