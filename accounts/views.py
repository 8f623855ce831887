from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import ANALYST
from .forms import LoginForm
from .models import AuditEntry


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Superusers see everything; analysts see the entries of their municipalities."""
    entries = AuditEntry.objects.select_related("municipality")
    if not request.user.is_superuser:
        codes = request.user.memberships.filter(role__name=ANALYST).values_list("municipality", flat=True)
        entries = entries.filter(municipality__in=list(codes))
    action = request.GET.get("handling", "")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    return render(request, "accounts/audit_log.html", {"page": page, "actions": sorted(set(actions)),
                                                        "action": action})
