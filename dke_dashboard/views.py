from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import user_municipalities
from districts.models import Municipality


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Start page: the municipalities that have offence data."""
    visible = (
        user_municipalities(request.user) if request.user.is_authenticated
        else Municipality.objects.filter(public_view=True)
    )
    municipalities = visible.annotate(n_offences=Count("offences")).filter(n_offences__gt=0).order_by("name")
    return render(request, "home.html", {"municipalities": municipalities})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any DB failure means unhealthy
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and tools that ask for /favicon.ico get the app's icon (pages link it themselves)."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.svg"))
