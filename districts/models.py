"""Where things happen: municipalities, their districts (bydele), streets and residents."""

from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .streets import street_key


class Municipality(models.Model):
    """A Danish municipality (kommune), identified by its three-digit DST code."""

    code = models.CharField(_("kommunekode"), max_length=3, unique=True)
    name = models.CharField(_("navn"), max_length=100)
    region_code = models.CharField(_("regionskode"), max_length=3, blank=True)
    group_code = models.CharField(_("kommunegruppe (KOMGRP)"), max_length=3, blank=True)
    group_name = models.CharField(_("kommunegruppe"), max_length=100, blank=True)
    police_district = models.CharField(_("politikreds"), max_length=100, blank=True)
    boundary = models.JSONField(_("grænse (GeoJSON)"), null=True, blank=True)
    public_view = models.BooleanField(
        _("offentlig visning"),
        default=False,
        help_text=_("Udvalgte figurer kan ses uden login, med små tal skjult."),
    )
    report_logo = models.FileField(
        _("logo til halvårsrapporten"), upload_to="logos/", blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "svg"])],
        help_text=_("PNG, JPEG eller SVG på forsiden af kommunens halvårsrapport. Uden logo står kommunens navn der."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class District(models.Model):
    """A named part (bydel) of one municipality, optionally with a boundary polygon."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="districts", verbose_name=_("kommune")
    )
    name = models.CharField(_("navn"), max_length=100)
    slug = models.SlugField(_("kort navn"), max_length=100)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    color = models.CharField(
        _("farve"), max_length=7, blank=True, help_text=_("Fast farve i alle figurer, fx #1b6ca8.")
    )
    boundary = models.JSONField(_("grænse (GeoJSON, WGS84)"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "order", "name"]
        verbose_name = _("bydel")
        verbose_name_plural = _("bydele")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name"),
            models.UniqueConstraint(fields=["municipality", "slug"], name="district_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class StreetRange(models.Model):
    """One row of a municipality's street table: a range of house numbers → district."""

    class Side(models.TextChoices):
        EVEN = "lige", _("lige")
        ODD = "ulige", _("ulige")
        BOTH = "begge", _("begge")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="streets", verbose_name=_("kommune")
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="streets", verbose_name=_("bydel")
    )
    street_name = models.CharField(_("vejnavn"), max_length=200)
    street_key = models.CharField(
        _("vejnavn (normaliseret)"), max_length=200, db_index=True, editable=False
    )
    street_code = models.CharField(_("vejkode"), max_length=10, blank=True)
    house_from = models.PositiveIntegerField(_("husnr. fra"), default=0)
    house_from_letter = models.CharField(_("bogstav fra"), max_length=2, blank=True)
    house_to = models.PositiveIntegerField(_("husnr. til"), default=9999)
    house_to_letter = models.CharField(_("bogstav til"), max_length=2, blank=True)
    side = models.CharField(_("side"), max_length=5, choices=Side.choices, default=Side.BOTH)
    postcode = models.CharField(_("postnr."), max_length=4, blank=True)
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"),
    )

    class Meta:
        ordering = ["municipality", "street_name", "house_from"]
        verbose_name = _("vejstrækning")
        verbose_name_plural = _("vejtabel")

    def __str__(self) -> str:
        return f"{self.street_name} {self.house_from}-{self.house_to} ({self.side}) → {self.district}"

    def save(self, *args, **kwargs):
        self.street_key = street_key(self.street_name)
        super().save(*args, **kwargs)


class PopulationCount(models.Model):
    """Residents of a municipality (district empty) or a district on a count date.

    ``sex`` empty and ages 0–125 mean "all"; bands like 15–17 are stored as their bounds.
    """

    class Sex(models.TextChoices):
        ALL = "", _("i alt")
        MALE = "M", _("mænd")
        FEMALE = "K", _("kvinder")

    ALL_AGES = (0, 125)

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="population", verbose_name=_("kommune")
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="population",
        verbose_name=_("bydel"),
    )
    date = models.DateField(_("tælledato"))
    sex = models.CharField(_("køn"), max_length=1, choices=Sex.choices, blank=True, default="")
    age_from = models.PositiveSmallIntegerField(_("alder fra"), default=0)
    age_to = models.PositiveSmallIntegerField(_("alder til"), default=125)
    count = models.PositiveIntegerField(_("antal"))
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"),
    )

    class Meta:
        ordering = ["municipality", "district", "date"]
        verbose_name = _("befolkningstal")
        verbose_name_plural = _("befolkningstal")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "date", "sex", "age_from", "age_to"],
                condition=Q(district__isnull=True),
                name="population_unique_municipality",
            ),
            models.UniqueConstraint(
                fields=["district", "date", "sex", "age_from", "age_to"],
                condition=Q(district__isnull=False),
                name="population_unique_district",
            ),
            models.CheckConstraint(
                condition=Q(age_from__lte=models.F("age_to")), name="population_age_band"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "district", "date"])]

    def __str__(self) -> str:
        where = self.district or self.municipality
        return f"{where} {self.date}: {self.count}"
