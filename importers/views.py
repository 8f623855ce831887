from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ANALYST, user_municipalities
from accounts.preselect import municipality_initial, municipality_remember
from districts.models import Municipality
from importers.parsers.police import HEADER_LABELS
from reports.figures import FIGURES
from reports.models import ReportedOffence

from . import help as docs
from . import quality
from .forms import KIND_CHOICES, UploadForm
from .jobs import job_stalled
from .models import ImportBatch
from .services import file_import, progress_get
from .services.lifecycle import preview_keep, status_display, uploads_purge
from .services.results import errors_grouped
from .services.scope import rollback_refused, visible_batches_q
from .storage import upload_path, upload_store
from .tasks import import_start, job_resume, preview_queue, rollback_start


def _analyst_municipalities(user):
    if user.is_superuser:
        return Municipality.objects.all()
    return user_municipalities(user).filter(memberships__role__name=ANALYST, memberships__user=user)


def _batches(user):
    """The batches an analyst sees: their own, and those filed under or touching one of their municipalities."""
    batches = ImportBatch.objects.select_related("user", "municipality").exclude(kind="reference")
    if not user.is_superuser:
        ids = list(_analyst_municipalities(user).values_list("pk", flat=True))
        visible = ImportBatch.objects.filter(visible_batches_q(ids, user)).values("pk")
        batches = batches.filter(pk__in=visible)
    return batches


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    municipalities = _analyst_municipalities(request.user)
    kind = request.GET.get("filtype", "auto")  # "Upload igen" from a refused file's page keeps its kind
    form = UploadForm(request.POST or None, request.FILES or None, municipalities=municipalities,
                      initial={"municipality": municipality_initial(request, municipalities),
                               "kind": kind if kind in dict(KIND_CHOICES) else "auto"})
    if request.method == "POST" and form.is_valid():
        uploads_purge()  # previews nobody confirmed in time
        municipality_remember(request, form.cleaned_data["municipality"])
        data = form.cleaned_data["file"].read()
        municipality = form.cleaned_data["municipality"] or (municipalities.first() if municipalities.count() == 1
                                                             else None)
        if len(data) > settings.IMPORT_PREVIEW_INLINE_BYTES:  # read by a job; the batch page follows it
            batch = preview_queue(data, file_name=form.cleaned_data["file"].name, kind=form.cleaned_data["kind"],
                                  municipality=municipality, user=request.user, options=form.options())
            return redirect("import_batch_detail", batch_id=batch.pk)
        result = file_import(
            data=data, file_name=form.cleaned_data["file"].name, kind=form.cleaned_data["kind"],
            municipality=municipality, user=request.user, options=form.options(), dry_run=True, keep_parsed=True,
        )
        batch = result.batch
        if batch.status == ImportBatch.Status.PREVIEW:  # kept only while it waits for "Godkend"
            upload_store(data, batch.sha256)
        preview_keep(result)
        return redirect("import_batch_detail", batch_id=batch.pk)
    page = Paginator(_batches(request.user), 25).get_page(request.GET.get("side"))
    for batch in page:
        batch.stalled = job_stalled(batch)  # looks for a lock only for batches a job is due for
    return render(request, "importers/upload.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)


# Danish headings for the preview table's canonical column names (the data keeps the names).
PREVIEW_LABELS = {
    **HEADER_LABELS, "code_text": _("Gerningskode tekst"), "address": _("Gerningssted"), "postcode": _("Postnr."),
    "district": _("Bydel i filen"), "assigned_district": _("Tælles i bydel"), "district_method": _("Bydel fundet via"),
    "police_initiated": _("Politiets initiativ"), "person_key": _("Personnøgle"), "street_name": _("Vejnavn"),
    "date": _("Dato"), "count": _("Antal"), "age": _("Alder"), "age_from": _("Alder fra"), "age_to": _("Alder til"),
    "geometry": _("Geometri"), "value": _("Værdi"), "period": _("Periode"), "name": _("Navn"),
    "table": _("Tabel"), "area_code": _("Områdekode"), "area_name": _("Område"), "dims": _("Variable"),
    "level": _("Niveau"), "title": _("Titel"), "group_name": _("Kommunegruppe"), "points": _("Punkter"),
}


@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    stalled = job_stalled(batch)
    methods = dict(ReportedOffence.DistrictMethod.choices)  # stored as codes, shown in the reader's language
    preview = [{**row, "district_method": methods[row["district_method"]]} if row.get("district_method") in methods
               else row for row in batch.preview.get("rows", [])]
    return render(request, "importers/batch.html", {
        "batch": batch, "preview": preview, "columns": batch.preview.get("columns", []),
        "column_labels": PREVIEW_LABELS,
        "errors": errors_grouped(batch.errors or []),
        "message": batch.preview.get("message", ""),
        "running": batch.status in ImportBatch.WORKING and not stalled,
        # the counts and duration on the batch are the preview's until the import has finished
        "importing": batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING),
        "previewing": batch.status == ImportBatch.Status.PREVIEWING,
        # while a job reads a file whose kind is to be recognised, the batch's kind is only a placeholder
        "kind_display": (_("genkendes, når filen er læst") if batch.status == ImportBatch.Status.PREVIEWING
                         and batch.options.get("_kind_requested") == "auto" else batch.get_kind_display()),
        "stalled": stalled,
        "status_display": status_display(batch),
        "rollback": batch.options.get("_rollback"),
    })


@require_POST
def confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    if batch.status != ImportBatch.Status.PREVIEW:
        messages.error(request, "Kørslen er allerede sat i gang eller afvist.")
    elif not upload_path(batch.sha256).exists():
        messages.error(request, f"Filen {batch.file_name} er ikke længere gemt: en upload venter højst "
                                f"{settings.IMPORT_UPLOAD_KEEP_HOURS:g} timer på godkendelse, fordi den kan indeholde "
                                "personoplysninger. Upload filen igen.")
    else:
        import_start(batch)
    return redirect("import_batch_detail", batch_id=batch.pk)


@require_GET
def status(request: HttpRequest, batch_id: int) -> JsonResponse:
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    progress = (100 if batch.status in ("done", "unchanged") else None if batch.status in ("rolling_back", "previewing")
                else (progress_get(batch.pk) or batch.progress))  # a rollback or preview has no measure of progress
    stalled = job_stalled(batch)  # the page then offers to start the job again
    # a page polls while a job runs: an import's page is done when the import is, a preview's when the preview is
    return JsonResponse({"status": batch.status, "status_display": status_display(batch), "progress": progress,
                         "done": (batch.status != ImportBatch.Status.PREVIEW or bool(batch.job_started_at)) and (
                             batch.status not in ImportBatch.WORKING or stalled),
                         "stalled": stalled})


@require_POST
def rollback(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    if request.POST.get("confirm") != "ja":
        messages.warning(request, "Bekræft tilbagerulningen ved at sætte flueben.")
        return redirect("import_batch_detail", batch_id=batch.pk)
    if batch.status != ImportBatch.Status.DONE:
        messages.error(request, f"Kørsel #{batch.pk} kan ikke rulles tilbage (status: {batch.get_status_display()}).")
        return redirect("import_batch_detail", batch_id=batch.pk)
    refused = rollback_refused(batch, request.user)
    if refused:
        messages.error(request, refused)
        return redirect("import_batch_detail", batch_id=batch.pk)
    rollback_start(batch, request.user)  # its outcome is shown on the batch's page
    return redirect("import_batch_detail", batch_id=batch.pk)


@require_POST
def resume(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Start a stalled import or rollback again, or give it up."""
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    action = request.POST.get("action")
    if action not in ("retry", "abandon"):
        messages.error(request, "Vælg om kørslen skal startes igen eller opgives.")
    else:
        done, message = job_resume(batch, retry=action == "retry", user=request.user)
        if message:
            (messages.success if done else messages.error)(request, message)
    return redirect("import_batch_detail", batch_id=batch.pk)


@require_GET
def data_quality(request: HttpRequest) -> HttpResponse:
    municipalities = _analyst_municipalities(request.user)
    code = request.GET.get("kommune")
    # the one asked for, else the one the user last looked at, else the first with offences
    municipality = ((municipalities.filter(code=code).first() if code else None)
                    or municipality_initial(request, municipalities)
                    or municipalities.filter(offences__isnull=False).distinct().first() or municipalities.first())
    municipality_remember(request, municipality if code else None)
    context = {"municipalities": municipalities, "municipality": municipality}
    if municipality is not None:
        context.update({
            "unmapped": quality.unmapped_codes(municipality=municipality),
            "streets": quality.unknown_district_streets(municipality=municipality),
            "orphans": quality.orphan_charges(municipality=municipality),
            "gaps": quality.population_gaps(municipality=municipality),
        })
    return render(request, "importers/quality.html", context)


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """User help: every file kind the importer accepts (from the parsers' own definitions), and what each figure
    means."""
    figures = [{"anchor": docs.figure_anchor(slug), "title": spec.title, "number": spec.number, "slug": slug,
                "columns": spec.columns, "paragraphs": docs.FIGURE_DEFINITIONS.get(slug, ())}
               for slug, spec in FIGURES.items()]
    figures.append({"anchor": docs.figure_anchor("municipality-comparison"), "slug": "municipality-comparison",
                    "title": _("Sammenligning med andre kommuner"), "number": None,
                    "columns": docs.COMPARISON_COLUMNS, "paragraphs": docs.FIGURE_DEFINITIONS["municipality-comparison"]})
    return render(request, "help/help.html", {
        "kinds": docs.KINDS, "general_rules": docs.GENERAL_RULES, "basics": docs.BASICS, "figures": figures,
        "reading": docs.READING, "upload_limit_mb": settings.IMPORT_MAX_UPLOAD_BYTES / 1024 / 1024,
    })


@require_GET
def help_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A template file for one kind: the headings and two example rows."""
    try:
        data, name = docs.template_file(kind, fmt)
    except KeyError as exc:
        raise Http404("Ingen skabelon") from exc
    response = HttpResponse(data, content_type=docs.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
