"""Who may open which page: one table keyed on URL names, checked by one middleware.

Rules are data: ``POLICY`` maps a URL name to (roles allowed, public?). A URL name that
is missing from the table is denied to everyone but superusers (deny by default), and a
test fails when a URL pattern has no entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from districts.models import Municipality

ANALYST, STAFF, MANAGER = "Analytiker", "Medarbejder", "Leder"
ALL_ROLES = (ANALYST, STAFF, MANAGER)
# Changes the data no single municipality owns (categories, code rules, national DST series). Held as a
# Django group of the user (Brugere → Grupper) or as a role for some municipality; it adds no municipality.
SYSTEM = "Systemansvarlig"
IMPORTERS = (ANALYST, SYSTEM)  # the import pages; what a file may write is checked by its content


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...] = ()  # any of these roles (for the page's municipality, if it has one)
    anonymous: bool = False  # open to everyone
    public_figures: bool = False  # open to everyone when the municipality has public view on
    login_only: bool = False  # any logged-in user


POLICY: dict[str, Rule] = {
    "home": Rule(anonymous=True),
    "healthz": Rule(anonymous=True),
    "favicon": Rule(anonymous=True),
    "set_language": Rule(anonymous=True),
    "login": Rule(anonymous=True),
    "logout": Rule(anonymous=True),
    "password_change": Rule(login_only=True),
    "password_change_done": Rule(login_only=True),
    "dashboard": Rule(roles=ALL_ROLES, public_figures=True),
    "figure_detail": Rule(roles=ALL_ROLES, public_figures=True),
    "figure_download": Rule(roles=ALL_ROLES, public_figures=True),
    "comparison": Rule(roles=ALL_ROLES, public_figures=True),
    "comparison_download": Rule(roles=ALL_ROLES, public_figures=True),
    "indicators": Rule(roles=ALL_ROLES),
    "indicator_create": Rule(roles=(MANAGER,)),
    "indicator_edit": Rule(roles=(MANAGER,)),
    "import_upload": Rule(roles=IMPORTERS),
    "import_batch_detail": Rule(roles=IMPORTERS),
    "import_status": Rule(roles=IMPORTERS),
    "import_confirm": Rule(roles=IMPORTERS),
    "import_rollback": Rule(roles=IMPORTERS),
    "import_resume": Rule(roles=IMPORTERS),
    "data_quality": Rule(roles=(ANALYST,)),
    "report_list": Rule(roles=(MANAGER,)),
    "report_create": Rule(roles=(MANAGER,)),
    "report_edit": Rule(roles=(MANAGER,)),
    "report_preview": Rule(roles=(MANAGER,)),
    "report_pdf": Rule(roles=(MANAGER,)),
    "report_section": Rule(roles=(MANAGER,)),
    "report_publish": Rule(roles=(MANAGER,)),
    "report_copy": Rule(roles=(MANAGER,)),
    "audit_log": Rule(roles=(ANALYST,)),
    "help": Rule(anonymous=True),  # the user documentation holds no data
    "help_template": Rule(anonymous=True),
}
# Django admin guards itself (is_staff + model permissions); our middleware leaves it alone.
SELF_GUARDED_NAMESPACES = {"admin"}


def may_open(user, url_name: str, municipality: Municipality | None = None) -> bool:
    """Whether ``user`` may open the page named ``url_name`` (for ``municipality``), by ``POLICY``: pages show a
    link or button only where it would not answer 403. The middleware stays the guard."""
    rule = POLICY.get(url_name, Rule(roles=()))
    if rule.anonymous:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or rule.login_only:
        return True
    return bool(rule.roles) and has_role(user, rule.roles, municipality)


def user_municipalities(user) -> QuerySet[Municipality]:
    if not getattr(user, "is_authenticated", False):
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(memberships__user=user).distinct()


def has_role(user, role: str | tuple[str, ...], municipality: Municipality | None) -> bool:
    """True when ``user`` holds one of the roles for ``municipality`` (any municipality if None)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = (role,) if isinstance(role, str) else tuple(role)
    memberships = user.memberships.filter(role__name__in=roles)
    if municipality is not None:
        memberships = memberships.filter(municipality=municipality)
    if memberships.exists():
        return True
    return SYSTEM in roles and user.groups.filter(name=SYSTEM).exists()  # a system-wide group


def user_roles(user) -> dict[str, list[str]]:
    """municipality code → role names, for the navigation."""
    result: dict[str, list[str]] = {}
    if getattr(user, "is_authenticated", False):
        for code, role in user.memberships.values_list("municipality__code", "role__name"):
            result.setdefault(code, []).append(role)
    return result


def writable_municipality_ids(user) -> frozenset[int] | None:
    """The municipalities whose data ``user`` may import and roll back (as their analyst); None: all of them.

    No user (the command line, a job started by one) and superusers write everywhere.
    """
    if user is None or getattr(user, "is_superuser", False):
        return None
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(user.memberships.filter(role__name=ANALYST).values_list("municipality_id", flat=True))


def may_change_shared(user) -> bool:
    """Whether ``user`` may change shared reference data: superusers, the command line and "Systemansvarlig"."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return user.groups.filter(name=SYSTEM).exists() or user.memberships.filter(role__name=SYSTEM).exists()
