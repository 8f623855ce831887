"""Who may see which municipality, and what they did."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Membership(models.Model):
    """A user holds a role (a Django group) for one municipality."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("bruger"),
    )
    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("kommune"),
    )
    role = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+", verbose_name=_("rolle"))

    class Meta:
        ordering = ["user", "municipality", "role"]
        verbose_name = _("adgang")
        verbose_name_plural = _("adgange")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "role"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.role} – {self.municipality.name}"


class AuditEntry(models.Model):
    """An audit line: who did what, to what, when. Written by ``accounts.services.audit_log``."""

    # what the log page shows for each action (an action not listed shows as its code)
    ACTIONS = {
        "login": _("logget ind"),
        "login_failed": _("forkert adgangskode"),
        "login_locked_out": _("spærret efter for mange forsøg"),
        "import": _("fil indlæst"),
        "import_rejected": _("fil afvist"),
        "import_rollback": _("kørsel rullet tilbage"),
        "import_retry": _("kørsel startet igen"),
        "import_abandon": _("kørsel opgivet"),
        "mapping_created": _("referencedata oprettet"),
        "mapping_changed": _("referencedata ændret"),
        "mapping_deleted": _("referencedata slettet"),
        "report_publish": _("rapport offentliggjort"),
        "report_export": _("rapport hentet som PDF"),
        "figure_download": _("tal om sigtede hentet"),
        "role_granted": _("rolle givet"),
        "role_changed": _("rolle ændret"),
        "role_removed": _("rolle frataget"),
    }

    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("bruger"),
    )
    username = models.CharField(_("brugernavn"), max_length=150, blank=True)
    action = models.CharField(_("handling"), max_length=50)
    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("kommune"),
    )
    # every municipality the action touched (an import of a file naming several), beside ``municipality``
    municipalities = models.ManyToManyField(
        "districts.Municipality", related_name="+", blank=True, verbose_name=_("berørte kommuner"),
    )
    target = models.CharField(_("objekt"), max_length=200, blank=True)
    details = models.JSONField(_("detaljer"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("logpost")
        verbose_name_plural = _("revisionslog")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.target}"

    @property
    def action_display(self) -> str:
        return str(self.ACTIONS.get(self.action, self.action))
