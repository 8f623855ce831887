"""Audit entries for logins that fail, lock-outs and changes to mappings, wherever they happen."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from districts.models import District, StreetRange

from .middleware import current_user
from .models import Membership
from .services import audit_log


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    audit_log(user=None, action="login_failed", target=str(credentials.get("username", ""))[:150])


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    audit_log(user=user, action="login")


@receiver(user_locked_out)
def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit_log(user=None, action="login_locked_out", target=str(username or "")[:150])


def _mapping_changed(action, instance, **kwargs):
    """Changes people make (admin, forms); imports and reference loads have their own records."""
    user = current_user()
    if user is None or getattr(instance, "batch_id", None):
        return
    audit_log(user=user, action=action, municipality=getattr(instance, "municipality", None),
              target=f"{instance._meta.verbose_name}: {instance}")


def mapping_audited(model) -> None:
    """Audit the changes people make to ``model``'s rows (a mapping: code rules, streets, districts).

    Apps above accounts connect their own mappings in their ``ready`` (reports: ``CategoryRule``).
    """
    post_save.connect(lambda sender, instance, created, **kw: _mapping_changed(
        "mapping_created" if created else "mapping_changed", instance), sender=model, weak=False,
        dispatch_uid=f"audit-mapping-saved-{model._meta.label_lower}")
    post_delete.connect(lambda sender, instance, **kw: _mapping_changed("mapping_deleted", instance),
                        sender=model, weak=False, dispatch_uid=f"audit-mapping-deleted-{model._meta.label_lower}")


for model in (StreetRange, District):
    mapping_audited(model)


def _role_changed(action, instance, **kwargs):
    """A role given, changed or taken away by a person (the admin's Adgange); demo and test loads are not."""
    user = current_user()
    if user is None:
        return
    audit_log(user=user, action=action, municipality=instance.municipality,
              target=f"{instance.user.get_username()}: {instance.role.name}"[:200])


post_save.connect(lambda sender, instance, created, **kw: _role_changed(
    "role_granted" if created else "role_changed", instance), sender=Membership, weak=False)
post_delete.connect(lambda sender, instance, **kw: _role_changed("role_removed", instance), sender=Membership,
                    weak=False)


_FLAGS = {"is_superuser": "superbruger", "is_staff": "adgang til administrationen", "is_active": "aktiv"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _user_flags_before(sender, instance, **kwargs):
    """A user's superuser, staff and active flags are roles too: remember them before a save changes them."""
    if instance.pk and current_user() is not None:
        instance._flags_before = sender.objects.filter(pk=instance.pk).values(*_FLAGS).first()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _user_flags_after(sender, instance, created, **kwargs):
    before = getattr(instance, "_flags_before", None)
    user = current_user()
    if user is None or not before:
        return
    for flag, name in _FLAGS.items():
        if before[flag] != getattr(instance, flag):
            audit_log(user=user, action="role_granted" if getattr(instance, flag) else "role_removed",
                      target=f"{instance.get_username()}: {name}"[:200])
    instance._flags_before = None
