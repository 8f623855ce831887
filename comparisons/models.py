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
    # The baseline is a period; its value is read from the measure itself (comparisons.pages), never typed.
    baseline_period = models.CharField(
        _("udgangsperiode"), max_length=7, help_text=_("Et år (2016) eller et halvår (2016H1)."),
    )
    target_period = models.CharField(
        _("målperiode"), max_length=7, help_text=_("Af samme slags som udgangsperioden (et år eller et halvår)."),
    )
    target_value = models.FloatField(_("mål (værdi)"), null=True, blank=True)
    target_change_pct = models.FloatField(
        _("mål (ændring i procent)"), null=True, blank=True,
        help_text=_("Fx −13 for et fald på 13 % fra udgangspunktet."),
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["municipality", "order", "name"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        constraints = [
            models.CheckConstraint(  # a target is a value or a change from the baseline, never both or neither
                condition=models.Q(target_value__isnull=False, target_change_pct__isnull=True)
                | models.Q(target_value__isnull=True, target_change_pct__isnull=False),
                name="indicator_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext

        from reports.periods import Period, PeriodError

        errors: dict[str, str] = {}
        periods = {}
        for field in ("baseline_period", "target_period"):
            try:
                periods[field] = Period.parse(getattr(self, field) or "")
            except PeriodError:
                errors[field] = gettext("»%(value)s« er ikke et år (2016) eller et halvår (2016H1).") % {
                    "value": getattr(self, field)}
                continue
            if periods[field].kind == "K":
                errors[field] = gettext("Brug et år (2016) eller et halvår (2016H1), ikke et kvartal.")
            else:
                setattr(self, field, str(periods[field]))  # one spelling: "2016h1" → "2016H1"
        if not errors:
            baseline, target = periods["baseline_period"], periods["target_period"]
            if baseline.kind != target.kind:
                errors["target_period"] = gettext("Målperioden skal være af samme slags som udgangsperioden "
                                            "(%(baseline)s): et år mod et år, et halvår mod et halvår.") % {
                    "baseline": baseline}
            elif target <= baseline:
                errors["target_period"] = gettext("Målperioden skal ligge efter udgangsperioden (%(baseline)s).") % {
                    "baseline": baseline}
        if (self.target_value is None) == (self.target_change_pct is None):
            errors["target_value"] = gettext("Angiv målet enten som en værdi eller som en ændring i procent fra "
                                       "udgangspunktet (ikke begge).")
        if errors:
            raise ValidationError(errors)
