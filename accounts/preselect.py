"""The municipality a form or page starts on: the user's only one, else the one they last looked at (session)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from districts.models import Municipality

SESSION_KEY = "kommune"


def municipality_remember(request: HttpRequest, municipality: Municipality | None) -> None:
    """Remember ``municipality`` as the one this user works on now (logged-in users only: no session for visitors)."""
    if municipality is not None and request.user.is_authenticated and request.session.get(SESSION_KEY) != municipality.code:
        request.session[SESSION_KEY] = municipality.code


def municipality_initial(request: HttpRequest, municipalities: QuerySet[Municipality]) -> Municipality | None:
    """The user's only municipality among ``municipalities``, else the remembered one if it is among them."""
    first_two = list(municipalities[:2])
    if len(first_two) == 1:
        return first_two[0]
    code = request.session.get(SESSION_KEY)
    return municipalities.filter(code=code).first() if code else None
