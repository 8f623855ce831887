from .access import ANALYST, MANAGER


def roles(request):
    """Which menu items the user may open (the access policy decides; this only hides dead links)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_analyst": False, "nav_manager": False}
    if user.is_superuser:
        return {"nav_analyst": True, "nav_manager": True}
    names = set(user.memberships.values_list("role__name", flat=True))
    return {"nav_analyst": ANALYST in names, "nav_manager": MANAGER in names}
