"""Request hygiene: the client's address behind the proxy, control characters in URLs, and no caching
of what a logged-in user sees or downloads."""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address for the lock-out (``AXES_CLIENT_IP_CALLABLE``).

    Behind the reverse proxy (``BEHIND_PROXY``) every request comes from the proxy's address, and the
    proxy appends the address it saw to ``X-Forwarded-For``: the last ``PROXY_COUNT`` entries were
    written by our proxies, anything before them by the client (so it is never trusted). Without a
    proxy, or with a header that does not hold an address there, ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not getattr(settings, "BEHIND_PROXY", False):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    count = max(1, int(getattr(settings, "PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


class ControlCharactersMiddleware:
    """A URL whose path or query holds a NUL or another control character is answered 400 before any view
    or database sees it (PostgreSQL refuses NUL in text: an unguarded view answered 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL.search(request.path) or CONTROL.search(request.path_info) or any(
                CONTROL.search(key) or any(CONTROL.search(value) for value in values)
                for key, values in request.GET.lists()):
            raise BadRequest("control character in the URL")  # Django answers 400 with the 400 page
        return self.get_response(request)


DOWNLOAD_TYPES = ("text/csv", "application/json", "application/pdf", "application/vnd.", "application/octet-stream",
                  "application/zip", "text/tab-separated-values")


class NoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a logged-in user and on every download:
    neither a shared cache nor the browser's disk keeps a page or file that held protected figures."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logged_in = user is not None and user.is_authenticated
        download = (response.get("Content-Disposition", "").startswith("attachment")
                    or response.get("Content-Type", "").startswith(DOWNLOAD_TYPES))
        if (logged_in or download) and not getattr(response, "cache_revalidate", False):  # see dke_dashboard.conditional
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        return response
