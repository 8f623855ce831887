"""System checks of the importers' settings (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def person_key_secret_check(app_configs=None, **kwargs) -> list[Error]:
    """``PERSON_KEY_SECRET`` must be set, and to something else than ``SECRET_KEY``, when DEBUG is off.

    Person keys are HMACs under this secret (domain.md, "Data protection"). A key that is also the
    SECRET_KEY is exposed wherever that one is (sessions, password resets, rotation), and rotating
    either would then break the other; without one, imports would hash under a known value.
    """
    if settings.DEBUG:
        return []
    secret = getattr(settings, "PERSON_KEY_SECRET", "")
    if not secret:
        return [Error("PERSON_KEY_SECRET is not set.", id="importers.E001",
                      hint="Set PERSON_KEY_SECRET to a long random value of its own and never change it once data "
                           "is loaded: person keys (hashed CPR numbers and person ids) depend on it.")]
    if secret == settings.SECRET_KEY:
        return [Error("PERSON_KEY_SECRET is the same as SECRET_KEY.", id="importers.E002",
                      hint="Give PERSON_KEY_SECRET a value of its own. If data is already loaded under SECRET_KEY, "
                           "keep that value as PERSON_KEY_SECRET and give SECRET_KEY a new one instead.")]
    return []
