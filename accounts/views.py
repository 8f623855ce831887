from typing import cast

from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import ANALYST
from .forms import LoginForm, ThrottledPasswordChangeForm
from .models import AuditEntry


class LogoutView(auth_views.LogoutView):
    """Logout also empties the browser's cache of this site (``Clear-Site-Data: "cache"``, honoured over HTTPS):
    the staff pages of aggregates are kept as ``private, no-cache`` (README, "Caching"), and on a shared PC the
    next person's Back button must not show them from the disk or back/forward cache."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, with wrong old passwords counted like failed logins: a locked-out user
    gets the lock-out page without the old password being checked at all."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def post(self, request, *args, **kwargs):
        from axes.handlers.proxy import AxesProxyHandler
        from axes.helpers import get_lockout_response

        credentials = {"username": request.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, credentials=credentials)
        return super().post(request, *args, **kwargs)


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Superusers see everything; analysts see the entries of their municipalities (an import: of every
    municipality it touched) and their own."""
    entries = AuditEntry.objects.select_related("municipality")
    if not request.user.is_superuser:
        user = cast(User, request.user)  # the access policy lets only logged-in users here
        codes = list(user.memberships.filter(role__name=ANALYST).values_list("municipality", flat=True))
        visible = AuditEntry.objects.filter(Q(municipality__in=codes) | Q(municipalities__in=codes)
                                            | Q(user=request.user)).values("pk")
        entries = entries.filter(pk__in=visible)  # an import touching several municipalities: each one's analysts
    action = request.GET.get("handling", "")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    used = set(AuditEntry.objects.order_by().values_list("action", flat=True).distinct())
    actions = sorted(((code, str(AuditEntry.ACTIONS.get(code, code))) for code in used), key=lambda a: a[1])
    return render(request, "accounts/audit_log.html", {"page": page, "actions": actions, "action": action})
