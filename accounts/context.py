from .access import ANALYST, MANAGER, SYSTEM


def roles(request):
    """Which menu items the user may open (the access policy decides; this only hides dead links)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_analyst": False, "nav_manager": False, "nav_system": False}
    if user.is_superuser:
        return {"nav_analyst": True, "nav_manager": True, "nav_system": True}
    names = set(user.memberships.values_list("role__name", flat=True))
    system = SYSTEM in names or user.groups.filter(name=SYSTEM).exists()  # imports shared reference data
    return {"nav_analyst": ANALYST in names, "nav_manager": MANAGER in names, "nav_system": system}
