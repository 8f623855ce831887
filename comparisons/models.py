"""Statistics Denmark series and indicators with targets."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DstValue(models.Model):
    """One cell of a DST table: table, area (OMRÅDE code), other variables, period → value.

    ``dims`` holds the non-area, non-time variables as a canonical string
    ``"KØN=TOT|OVERTRÆD=1320"`` (sorted by variable name) so one index answers any
    filter; ``value`` is empty for DST's ``..`` (missing or withheld), never 0.
    """

    table = models.CharField(_("tabel"), max_length=20)
    area_code = models.CharField(_("områdekode"), max_length=4)
    area_name = models.CharField(_("område"), max_length=100, blank=True)
    dims = models.CharField(_("variable"), max_length=200, blank=True)
    period = models.CharField(_("tid"), max_length=8)
    value = models.FloatField(_("værdi"), null=True, blank=True)
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"),
    )

    class Meta:
        ordering = ["table", "area_code", "dims", "period"]
        verbose_name = _("DST-tal")
        verbose_name_plural = _("DST-tal")
        constraints = [
            models.UniqueConstraint(
                fields=["table", "area_code", "dims", "period"], name="dstvalue_unique"
            ),
        ]
        indexes = [models.Index(fields=["table", "dims", "period"])]

    def __str__(self) -> str:
        return f"{self.table} {self.area_code} {self.dims} {self.period}: {self.value}"


class Indicator(models.Model):
    """A measure with a baseline and a target (Sikker By style)."""

    class Direction(models.TextChoices):
        DOWN = "down", _("lavere er bedre")
        UP = "up", _("højere er bedre")

    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.CASCADE, related_name="indicators",
        verbose_name=_("kommune"),
    )
    name = models.CharField(_("navn"), max_length=200)
    measure = models.CharField(
        _("måling"), max_length=200,
        help_text=_("fx figure:reports-per-1000:borgervendt eller metric:Andel utrygge"),
    )
    unit = models.CharField(_("enhed"), max_length=30, blank=True)
    direction = models.CharField(
        _("retning"), max_length=4, choices=Direction.choices, default=Direction.DOWN
    )
    baseline_value = models.FloatField(_("udgangspunkt"))
    baseline_year = models.PositiveSmallIntegerField(_("udgangsår"))
    target_value = models.FloatField(_("mål"))
    target_year = models.PositiveSmallIntegerField(_("målår"))
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["municipality", "order", "name"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")

    def __str__(self) -> str:
        return self.name
