"""Every import is a batch: who, when, what, and what it changed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        OFFENCES = "offences", _("anmeldelser")
        CHARGES = "charges", _("sigtelser")
        POLICE = "police", _("politiudtræk (kombineret)")
        POPULATION = "population", _("befolkning pr. bydel")
        DST = "dst", _("Danmarks Statistik")
        STREETS = "streets", _("vejtabel")
        BOUNDARIES = "boundaries", _("bydelsgrænser")
        CATEGORIES = "categories", _("gerningstyper (koderegler)")
        METRICS = "metrics", _("nøgletal")
        KOMGRP = "komgrp", _("kommunegrupper (KOMGRP)")
        MUNICIPALITY_BOUNDARIES = "mun_bounds", _("kommunegrænser")
        REFERENCE = "reference", _("referencedata")

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("forhåndsvises")  # a large file is read by a job, not by the upload's request
        PREVIEW = "preview", _("til godkendelse")
        QUEUED = "queued", _("i kø")
        RUNNING = "running", _("indlæses")
        DONE = "done", _("indlæst")
        UNCHANGED = "unchanged", _("uændret (samme fil)")
        REJECTED = "rejected", _("afvist")
        FAILED = "failed", _("fejlet")
        ROLLING_BACK = "rolling_back", _("rulles tilbage")
        ROLLED_BACK = "rolled_back", _("rullet tilbage")

    # a job for the batch is under way
    WORKING = (Status.PREVIEWING, Status.QUEUED, Status.RUNNING, Status.ROLLING_BACK)

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREVIEW
    )
    file_name = models.CharField(_("filnavn"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("bruger"),
    )
    municipality = models.ForeignKey(
        "districts.Municipality", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("kommune"),
    )
    # every municipality whose rows the batch created, changed or removed (its analysts see the batch)
    municipalities = models.ManyToManyField(
        "districts.Municipality", related_name="+", blank=True, verbose_name=_("berørte kommuner"),
    )
    # the batch changed data no municipality owns (categories, code rules, national DST figures)
    shared_data = models.BooleanField(_("fælles referencedata"), default=False)
    options = models.JSONField(_("valg"), default=dict, blank=True)
    # what the batch's page shows of a preview: {"rows": [...], "columns": [...], "message": "..."}
    preview = models.JSONField(_("forhåndsvisning"), default=dict, blank=True)
    period_from = models.DateField(_("periode fra"), null=True, blank=True)
    period_to = models.DateField(_("periode til"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rækker læst"), default=0)
    rows_created = models.PositiveIntegerField(_("oprettet"), default=0)
    rows_updated = models.PositiveIntegerField(_("opdateret"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("uændret"), default=0)
    rows_removed = models.PositiveIntegerField(_("fjernet"), default=0)
    rows_rejected = models.PositiveIntegerField(_("afvist"), default=0)
    warnings = models.JSONField(_("advarsler"), default=list, blank=True)
    errors = models.JSONField(_("fejl"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("antal fejl"), default=0)
    # when a job (import or rollback) was last queued for the batch, and when a job last took it up:
    # with the job's lock they tell a job that is under way from one whose process died (importers.jobs)
    job_queued_at = models.DateTimeField(_("job sat i kø"), null=True, blank=True)
    job_started_at = models.DateTimeField(_("job startet"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("fremdrift (%)"), default=0)
    created_at = models.DateTimeField(_("tidspunkt"), auto_now_add=True)
    finished_at = models.DateTimeField(_("færdig"), null=True, blank=True)
    duration_seconds = models.FloatField(_("varighed (s)"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("rullet tilbage"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("rullet tilbage af"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("importkørsel")
        verbose_name_plural = _("importkørsler")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.file_name}"


class ImportChange(models.Model):
    """What a batch did to one row, so that the batch can be rolled back exactly.

    ``previous`` holds the row's field values before an update or deletion (empty for a
    row the batch created). Rows created set-wise share one ``BULK_CREATED`` change.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("oprettet")
        UPDATED = "updated", _("opdateret")
        DELETED = "deleted", _("fjernet")
        # One change for all the rows a set-wise import created: they are the table's rows that
        # carry the batch's number and that the batch did not update (``object_id`` = how many).
        BULK_CREATED = "bulk", _("oprettet (samlet)")

    # No database constraint: an import writes one change per row set-wise (Django still
    # deletes the changes with their batch).
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="changes", verbose_name=_("importkørsel"),
        db_constraint=False,
    )
    model = models.CharField(_("tabel"), max_length=50)
    object_id = models.BigIntegerField(_("række-id"))
    action = models.CharField(_("handling"), max_length=7, choices=Action.choices)
    previous = models.JSONField(_("tidligere værdier"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("ændring")
        verbose_name_plural = _("ændringer")
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.batch_id} {self.action} {self.model}:{self.object_id}"
