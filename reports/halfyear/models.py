"""The municipal half-year report and its sections (models of the ``reports`` app)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.periods import Period, PeriodError


class HalfYearReport(models.Model):
    """The municipal half-year report (halvårsrapport) for one period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("kladde")
        PUBLISHED = "published", _("offentliggjort")

    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.CASCADE, related_name="halfyear_reports",
        verbose_name=_("kommune"),
    )
    period = models.CharField(_("periode"), max_length=7, help_text=_("fx 2017H2"))
    title = models.CharField(_("titel"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("baseret på"),
    )
    snapshot = models.JSONField(
        _("fastfrosne tal"), null=True, blank=True,
        help_text=_("Figurernes data på offentliggørelsestidspunktet."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "municipality"]
        verbose_name = _("halvårsrapport")
        verbose_name_plural = _("halvårsrapporter")

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        """The period as readers see it ("2. halvår 2025"); the code (2025H2) is for URLs and files."""
        try:
            return Period.parse(self.period).label
        except PeriodError:
            return self.period


class ReportSection(models.Model):
    """One section of a half-year report: narrative Markdown or a generated block."""

    class Kind(models.TextChoices):
        NARRATIVE = "narrative", _("tekst")
        CRIME_PICTURE = "crime_picture", _("kriminalitetsbilledet (figur 2–8)")
        FINDINGS = "findings", _("hovedresultater (genereret)")
        ACTIVITY = "activity", _("nøgletal")
        SUMMARY = "summary", _("resumé")
        INDICATORS = "indicators", _("mål og indikatorer")
        COMPARISON = "comparison", _("sammenligning med andre kommuner")

    report = models.ForeignKey(
        HalfYearReport, on_delete=models.CASCADE, related_name="sections", verbose_name=_("rapport")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.NARRATIVE)
    title = models.CharField(_("overskrift"), max_length=200)
    body = models.TextField(_("tekst (Markdown)"), blank=True)
    config = models.JSONField(_("indstillinger"), default=dict, blank=True)

    class Meta:
        ordering = ["report", "order", "pk"]
        verbose_name = _("afsnit")
        verbose_name_plural = _("afsnit")

    def __str__(self) -> str:
        return self.title
