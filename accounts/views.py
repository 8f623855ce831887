from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Q
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
    """Superusers see everything; analysts see the entries of their municipalities (an import: of every
    municipality it touched) and their own."""
    entries = AuditEntry.objects.select_related("municipality")
    if not request.user.is_superuser:
        codes = list(request.user.memberships.filter(role__name=ANALYST).values_list("municipality", flat=True))
        visible = AuditEntry.objects.filter(Q(municipality__in=codes) | Q(municipalities__in=codes)
                                            | Q(user=request.user)).values("pk")
        entries = entries.filter(pk__in=visible)  # an import touching several municipalities: each one's analysts
    action = request.GET.get("handling", "")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    codes = set(AuditEntry.objects.order_by().values_list("action", flat=True).distinct())
    actions = sorted(((code, str(AuditEntry.ACTIONS.get(code, code))) for code in codes), key=lambda a: a[1])
    return render(request, "accounts/audit_log.html", {"page": page, "actions": actions, "action": action})
