"""Offences, charges, categories, their derived tables and the data version; the half-year report's models are in
``reports.halfyear.models`` (imported here, so Django finds them)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .halfyear.models import HalfYearReport, ReportSection

__all__ = ["ActivityFigure", "CategoryCode", "CategoryRule", "Charge", "ChargeFact", "CodeSource", "DataVersion",
           "HalfYearReport", "OffenceAggregate", "OffenceCategory", "OffenceCode", "ReportCategory", "ReportSection",
           "ReportedOffence"]


class CodeSource(models.TextChoices):
    POLICE = "politi", _("politiets gerningskode")
    DST = "dst", _("Danmarks Statistik (OVERTRÆD)")


class OffenceCategory(models.Model):
    """A named set of offence codes (gerningstype), defined by rules (domain.md)."""

    slug = models.SlugField(_("kort navn"), max_length=50, unique=True)
    name = models.CharField(_("navn"), max_length=100)
    description = models.TextField(_("beskrivelse"), blank=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("gerningstype")
        verbose_name_plural = _("gerningstyper")

    def __str__(self) -> str:
        return self.name


class CategoryRule(models.Model):
    """Include (or exclude) codes starting with ``prefix`` of one vocabulary."""

    category = models.ForeignKey(
        OffenceCategory, on_delete=models.CASCADE, related_name="rules", verbose_name=_("gerningstype")
    )
    source = models.CharField(_("kilde"), max_length=6, choices=CodeSource.choices)
    prefix = models.CharField(_("kode (præfiks)"), max_length=10)
    exclude = models.BooleanField(_("udelad"), default=False)
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"),
    )

    class Meta:
        ordering = ["category", "source", "prefix"]
        verbose_name = _("koderegel")
        verbose_name_plural = _("koderegler")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "source", "prefix"], name="categoryrule_unique_prefix"
            ),
        ]

    def __str__(self) -> str:
        sign = "−" if self.exclude else "+"
        return f"{self.category.slug}: {sign}{self.prefix} ({self.source})"


class ReportCategory(models.Model):
    """The categories a municipality shows by default (Albertslund: the four DKE ones)."""

    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.CASCADE, related_name="report_categories",
        verbose_name=_("kommune"),
    )
    category = models.ForeignKey(
        OffenceCategory, on_delete=models.CASCADE, related_name="+", verbose_name=_("gerningstype")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["municipality", "order"]
        verbose_name = _("rapportkategori")
        verbose_name_plural = _("rapportkategorier")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "category"], name="reportcategory_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name}: {self.category.name}"


class OffenceCode(models.Model):
    """Every code we have met, per vocabulary, with its text. Small (hundreds of rows)."""

    source = models.CharField(_("kilde"), max_length=6, choices=CodeSource.choices)
    code = models.CharField(_("kode"), max_length=10)
    text = models.CharField(_("tekst"), max_length=200, blank=True)

    class Meta:
        ordering = ["source", "code"]
        verbose_name = _("gerningskode")
        verbose_name_plural = _("gerningskoder")
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="offencecode_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


class CategoryCode(models.Model):
    """Materialised membership code → category, refreshed whenever rules or codes change.

    Figures join offences to this small table on the code, so changing a rule never
    rewrites the offences themselves (see ``reports.categories``).
    """

    category = models.ForeignKey(
        OffenceCategory, on_delete=models.CASCADE, related_name="codes", verbose_name=_("gerningstype")
    )
    source = models.CharField(_("kilde"), max_length=6, choices=CodeSource.choices)
    code = models.CharField(_("kode"), max_length=10)

    class Meta:
        ordering = ["category", "source", "code"]
        verbose_name = _("kode i gerningstype")
        verbose_name_plural = _("koder i gerningstyper")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "source", "code"], name="categorycode_unique"
            ),
        ]
        indexes = [models.Index(fields=["source", "code"])]

    def __str__(self) -> str:
        return f"{self.code} ∈ {self.category.slug}"


class ReportedOffence(models.Model):
    """One offence (forhold) the police know of; natural key journal number + forhold."""

    class DistrictMethod(models.TextChoices):
        COLUMN = "column", _("bydelskolonne")
        STREET = "street", _("vejtabel")
        POINT = "point", _("koordinat i bydelsgrænse")
        UNKNOWN = "unknown", _("ukendt")

    journal_number = models.CharField(_("journalnummer"), max_length=40)
    forhold = models.PositiveIntegerField(_("forhold"), default=1)
    report_date = models.DateField(_("anmeldt dato"))
    offence_date = models.DateField(_("gerningsdato"), null=True, blank=True)
    code = models.CharField(_("gerningskode"), max_length=10)
    code_text = models.CharField(_("gerningskode tekst"), max_length=200, blank=True)
    address = models.CharField(_("gerningssted"), max_length=200, blank=True)
    postcode = models.CharField(_("postnr."), max_length=4, blank=True)
    # Both are covered by the composite indexes below (municipality first); no indexes of their own.
    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.PROTECT, related_name="offences",
        verbose_name=_("kommune"), db_index=False,
    )
    district = models.ForeignKey(
        "districts.District", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="offences", verbose_name=_("bydel"), db_index=False,
    )
    district_method = models.CharField(
        _("bydel fundet via"), max_length=8, choices=DistrictMethod.choices,
        default=DistrictMethod.UNKNOWN,
    )
    x = models.FloatField(_("UTM X"), null=True, blank=True)
    y = models.FloatField(_("UTM Y"), null=True, blank=True)
    police_initiated = models.BooleanField(_("politiets initiativ"), null=True, blank=True)
    # The last batch that wrote the row: bookkeeping for rollback. No database constraint and
    # no index: millions of rows are inserted set-wise, and a constraint check per row at
    # commit cost more than the insert itself (bench/RESULTS.md). Deleting a batch through
    # Django still sets it to NULL.
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"), db_constraint=False, db_index=False,
    )

    class Meta:
        ordering = ["report_date", "journal_number", "forhold"]
        verbose_name = _("anmeldelse")
        verbose_name_plural = _("anmeldelser")
        constraints = [
            models.UniqueConstraint(fields=["journal_number", "forhold"], name="offence_natural_key"),
        ]
        indexes = [
            models.Index(
                fields=["municipality", "report_date", "code", "district"], name="offence_by_report"
            ),
            models.Index(
                fields=["municipality", "offence_date", "code", "district"], name="offence_by_offence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journal_number}/{self.forhold} {self.code}"


class Charge(models.Model):
    """A person charged (sigtet) for an offence; natural key journal + forhold + person key.

    ``person_key`` is the police's pseudonymous id or a keyed hash of a CPR number — never
    the CPR number itself. A charge whose offence has not arrived yet is kept with
    ``offence`` empty and linked when it arrives.
    """

    class Sex(models.TextChoices):
        UNKNOWN = "", _("uoplyst")
        MALE = "M", _("mand")
        FEMALE = "K", _("kvinde")

    journal_number = models.CharField(_("journalnummer"), max_length=40)
    forhold = models.PositiveIntegerField(_("forhold"), default=1)
    person_key = models.CharField(_("personnøgle"), max_length=64)
    offence = models.ForeignKey(
        ReportedOffence, on_delete=models.SET_NULL, null=True, blank=True, related_name="charges",
        verbose_name=_("anmeldelse"),
    )
    charge_date = models.DateField(_("sigtelsesdato"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("fødselsår"), null=True, blank=True)
    sex = models.CharField(_("køn"), max_length=1, choices=Sex.choices, blank=True, default="")
    home_municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.PROTECT, null=True, blank=True,
        related_name="resident_charges", verbose_name=_("bopælskommune"), db_index=False,
    )
    home_district = models.ForeignKey(
        "districts.District", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="resident_charges", verbose_name=_("bopælsbydel"), db_index=False,
    )
    # Bookkeeping like ReportedOffence.batch: no constraint; indexed, the importer asks which
    # offences a batch's charges belong to.
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"), db_constraint=False,
    )

    class Meta:
        ordering = ["journal_number", "forhold", "person_key"]
        verbose_name = _("sigtelse")
        verbose_name_plural = _("sigtelser")
        constraints = [
            models.UniqueConstraint(
                fields=["journal_number", "forhold", "person_key"], name="charge_natural_key"
            ),
        ]
        indexes = [
            models.Index(fields=["journal_number", "forhold"], name="charge_offence_key"),
        ]

    def __str__(self) -> str:
        return f"{self.journal_number}/{self.forhold} – {self.person_key[:8]}…"


class ActivityFigure(models.Model):
    """A non-police number (nøgletal) of the report: cases opened, mentor cases, survey shares."""

    class Unit(models.TextChoices):
        COUNT = "antal", _("antal")
        PERCENT = "procent", _("procent")

    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.CASCADE, related_name="activity_figures",
        verbose_name=_("kommune"),
    )
    district = models.ForeignKey(
        "districts.District", on_delete=models.CASCADE, null=True, blank=True,
        related_name="activity_figures", verbose_name=_("bydel"),
    )
    name = models.CharField(_("nøgletal"), max_length=200)
    period = models.CharField(_("periode"), max_length=7, help_text=_("2017, 2017H2 eller 2017K3"))
    value = models.FloatField(_("værdi"))
    unit = models.CharField(_("enhed"), max_length=7, choices=Unit.choices, default=Unit.COUNT)
    batch = models.ForeignKey(
        "importers.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("importkørsel"),
    )

    class Meta:
        ordering = ["municipality", "name", "period"]
        verbose_name = _("nøgletal")
        verbose_name_plural = _("nøgletal")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name", "period"], condition=Q(district__isnull=True),
                name="activity_unique_municipality",
            ),
            models.UniqueConstraint(
                fields=["municipality", "district", "name", "period"],
                condition=Q(district__isnull=False), name="activity_unique_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.period}: {self.value}"


class OffenceAggregate(models.Model):
    """Offences (and their charges) per municipality, district, code, month and date basis.

    Maintained by the importers (``reports.aggregates``) so figures read thousands of rows
    instead of grouping millions. Keyed by code, not category: category rules can change
    without touching this table, and joining the small code → category table keeps
    "each offence once" exact.
    """

    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.CASCADE, related_name="+", verbose_name=_("kommune")
    )
    district = models.ForeignKey(
        "districts.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("bydel"),
    )
    code = models.CharField(_("gerningskode"), max_length=10)
    month = models.DateField(_("måned"))
    basis = models.CharField(_("datogrundlag"), max_length=7)  # report / offence
    reports = models.PositiveIntegerField(_("anmeldelser"), default=0)
    charges = models.PositiveIntegerField(_("sigtelser"), default=0)

    class Meta:
        verbose_name = _("aggregat")
        verbose_name_plural = _("aggregater")
        indexes = [models.Index(fields=["municipality", "basis", "month"], name="aggregate_lookup")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.basis} {self.month} {self.code}: {self.reports}/{self.charges}"


class ChargeFact(models.Model):
    """A charge with the date, municipality and code of its offence, once per date basis.

    The two figures that count persons (fig. 8 and the young people's share) read this one
    table instead of joining every charge to its offence. It is derived data, maintained set-wise
    next to ``OffenceAggregate`` (``reports.aggregates``): the ids are plain numbers without
    database constraints, and a charge without an offence or without a date by the basis has
    no row.
    """

    basis = models.CharField(_("datogrundlag"), max_length=7)  # report / offence
    municipality = models.ForeignKey(  # of the offence
        "districts.Municipality", on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("kommune"),
        db_constraint=False, db_index=False,
    )
    date = models.DateField(_("dato"))  # the offence's report or offence date, by the basis
    code = models.CharField(_("gerningskode"), max_length=10)
    journal_number = models.CharField(_("journalnummer"), max_length=40)
    forhold = models.PositiveIntegerField(_("forhold"))
    person_key = models.CharField(_("personnøgle"), max_length=64)
    charge_date = models.DateField(_("sigtelsesdato"), null=True)
    birth_year = models.PositiveSmallIntegerField(_("fødselsår"), null=True)
    home_municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.DO_NOTHING, null=True, related_name="+",
        verbose_name=_("bopælskommune"), db_constraint=False, db_index=False,
    )
    home_district = models.ForeignKey(
        "districts.District", on_delete=models.DO_NOTHING, null=True, related_name="+",
        verbose_name=_("bopælsbydel"), db_constraint=False, db_index=False,
    )

    class Meta:
        verbose_name = _("sigtelse med anmeldelsens data")
        verbose_name_plural = _("sigtelser med anmeldelsernes data")
        indexes = [
            models.Index(fields=["municipality", "basis", "date"], name="chargefact_by_offence"),
            # A person's charges are stored by offence municipality, so those of a municipality's residents lie
            # scattered over the table; on PostgreSQL this index carries every column the young people's share
            # reads, so that figure scans the index alone (an index-only scan, once vacuum has marked the pages).
            models.Index(fields=["home_municipality", "basis", "date"], name="chargefact_by_home",
                         include=["code", "person_key", "charge_date", "journal_number", "forhold", "home_district",
                                  "birth_year"]),
        ]

    def __str__(self) -> str:
        return f"{self.basis} {self.date} {self.journal_number}/{self.forhold} – {self.person_key[:8]}…"


class DataVersion(models.Model):
    """One row whose number goes up whenever data behind a figure changes (imports, rollbacks, rules, edits).

    Cached figure tables are keyed by it, so a cache shared by many web workers never serves
    a table computed from older data. It is bumped inside the writing transaction.
    """

    version = models.BigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("dataversion")
        verbose_name_plural = _("dataversion")

    def __str__(self) -> str:
        return f"v{self.version}"
