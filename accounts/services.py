from typing import Any

from .models import AuditEntry


def audit_log(
    *, user: Any, action: str, municipality: Any = None, target: str = "",
    details: dict | None = None, municipalities=(),
) -> AuditEntry:
    """Record that ``user`` did ``action`` (e.g. ``import``, ``rollback``, ``report_publish``)."""
    real_user = user if getattr(user, "is_authenticated", False) else None
    entry = AuditEntry.objects.create(
        user=real_user,
        username=getattr(real_user, "username", "") or "",
        action=action,
        municipality=municipality,
        target=str(target)[:200],
        details=details or {},
    )
    if municipalities:
        entry.municipalities.set(municipalities)
    return entry
