from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import MANAGER, user_municipalities
from accounts.preselect import municipality_initial, municipality_remember
from accounts.services import audit_log
from reports.models import HalfYearReport, ReportSection
from reports.periods import Period, PeriodError

from .markdown import markdown_render
from .render import report_html
from .services import (
    PERIOD_MODES,
    ReportNotReady,
    StaleReport,
    problem_links,
    report_copy,
    report_create,
    report_logo_file,
    report_period_mode,
    report_problems,
    report_publish_checked,
    report_save,
    report_touch,
    report_version,
    section_move,
)
from .tasks import pdf_path, pdf_progress, report_pdf_render


class ReportCreateForm(forms.Form):
    municipality: forms.ModelChoiceField = forms.ModelChoiceField(label="Kommune", queryset=None)
    period = forms.CharField(label="Periode", max_length=7, help_text="fx 2025H2")

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["municipality"]).queryset = municipalities

    def clean_period(self):
        try:
            period = Period.parse(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return str(period)


def _manager_municipalities(user):
    municipalities = user_municipalities(user)
    return municipalities if user.is_superuser else municipalities.filter(
        memberships__role__name=MANAGER, memberships__user=user)


def _reports(user):
    return HalfYearReport.objects.filter(municipality__in=_manager_municipalities(user)).select_related("municipality")


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    municipalities = _manager_municipalities(request.user)
    form = ReportCreateForm(request.POST or None, municipalities=municipalities,
                            initial={"municipality": municipality_initial(request, municipalities)})
    if request.method == "POST" and form.is_valid():
        municipality_remember(request, form.cleaned_data["municipality"])
        report = report_create(municipality=form.cleaned_data["municipality"], period=form.cleaned_data["period"],
                               user=request.user)
        return redirect("report_edit", report_id=report.pk)
    return render(request, "halfyear/list.html", {"form": form, "reports": _reports(request.user)})


def _posted_sections(request: HttpRequest, report: HalfYearReport) -> dict[int, tuple[str, str]]:
    return {s.pk: (request.POST.get(f"title-{s.pk}", s.title), request.POST.get(f"body-{s.pk}", s.body))
            for s in report.sections.all() if f"body-{s.pk}" in request.POST}


def _save_posted(request: HttpRequest, report: HalfYearReport) -> HalfYearReport:
    """Save the editor's form (every section at once); raises StaleReport when someone saved in between."""
    return report_save(report=report, version=request.POST.get("version", ""),
                       title=request.POST.get("title", report.title), sections=_posted_sections(request, report),
                       periods=request.POST.get("periods"))


def _edit_page(request: HttpRequest, report: HalfYearReport, *, posted: dict | None = None,
               problems: list | None = None, status: int = 200) -> HttpResponse:
    editable = report.status == HalfYearReport.Status.DRAFT
    posted = posted or {}
    sections = []
    for s in report.sections.all():
        title, body = posted.get(s.pk, (s.title, s.body))
        sections.append({"section": s, "title": title, "body": body,
                         "html": mark_safe(markdown_render(s.body)) if not editable else ""})  # noqa: S308 - nh3
    if problems is None and editable:
        problems = report_problems(report)
    logo = report_logo_file(report.municipality)
    return render(request, "halfyear/edit.html", {
        "report": report, "sections": sections, "editable": editable, "kinds": ReportSection.Kind.choices,
        "version": report_version(report), "problems": problem_links(report, problems or []),
        "period_name": Period.parse(report.period).label, "period_modes": PERIOD_MODES,
        "period_mode": request.POST.get("periods") if posted else report_period_mode(report),
        "has_logo": logo is not None, "title": request.POST.get("title", report.title) if posted else report.title,
    }, status=status)


STALE_MESSAGE = ("Rapporten er blevet gemt af en anden, efter du åbnede den. Dine ændringer er ikke gemt: de står "
                 "herunder, så du kan sammenligne med den gemte udgave (åbn rapporten i en ny fane) og gemme igen.")


def _editor_save(request: HttpRequest, report: HalfYearReport) -> tuple[HalfYearReport, HttpResponse | None]:
    """Save the editor's posted text (every button submits the whole form); a stale save is refused with the
    typed text kept on a 409 page, which is then the second value."""
    try:
        return _save_posted(request, report), None
    except StaleReport:
        messages.error(request, STALE_MESSAGE)
        return report, _edit_page(request, report, posted=_posted_sections(request, report), status=409)


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=report_id)
    if request.method == "POST" and report.status == HalfYearReport.Status.DRAFT:
        _report, stale = _editor_save(request, report)
        if stale:
            return stale
        messages.success(request, "Rapporten er gemt.")
        return redirect("report_edit", report_id=report.pk)
    return _edit_page(request, report)


@require_POST
def report_section(request: HttpRequest, report_id: int) -> HttpResponse:
    """Add, delete or move a section; the editor's unsaved text is saved first (the buttons submit the whole form)."""
    report = get_object_or_404(_reports(request.user), pk=report_id, status=HalfYearReport.Status.DRAFT)
    if "version" in request.POST:
        report, stale = _editor_save(request, report)
        if stale:
            return stale
    action, _sep, action_section = request.POST.get("action", "").partition(":")
    section_id = action_section or request.POST.get("section")
    if action == "add":
        kind = request.POST.get("kind", ReportSection.Kind.NARRATIVE)
        if kind not in ReportSection.Kind.values:
            kind = ReportSection.Kind.NARRATIVE
        last = report.sections.order_by("-order").first()
        title = request.POST.get("new-title" if "version" in request.POST else "title") or "Nyt afsnit"
        ReportSection.objects.create(report=report, kind=kind, title=title[:200],
                                     order=(last.order + 1) if last else 0)
    else:
        section = get_object_or_404(report.sections, pk=section_id)
        if action == "delete":
            section.delete()
        elif action in ("up", "down"):
            section_move(section=section, step=-1 if action == "up" else 1)
    report_touch(report)
    return redirect("report_edit", report_id=report.pk)


@require_POST
def report_publish_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """Publish: save the editor's text, check the report, freeze its numbers and render its PDF once."""
    report = get_object_or_404(_reports(request.user), pk=report_id, status=HalfYearReport.Status.DRAFT)
    if "version" in request.POST:
        report, stale = _editor_save(request, report)
        if stale:
            return stale
    try:
        report = report_publish_checked(report=report, user=request.user)
    except ReportNotReady as refused:
        messages.error(request, "Rapporten kan ikke offentliggøres endnu. Ret punkterne i listen øverst.")
        return _edit_page(request, report, problems=refused.problems, status=400)
    published = report
    transaction.on_commit(lambda: report_pdf_render.delay(published.pk))
    messages.success(request, "Rapporten er offentliggjort; dens tal er nu låst, og dens PDF er gemt.")
    return redirect("report_edit", report_id=report.pk)


@require_POST
def report_copy_view(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=report_id)
    copy = report_copy(report=report, user=request.user)
    messages.success(request, "En ny kladde er oprettet ud fra rapporten.")
    return redirect("report_edit", report_id=copy.pk)


@require_GET
def report_preview(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=report_id)
    return HttpResponse(report_html(report))


@require_GET
def report_pdf_view(request: HttpRequest, report_id: int) -> HttpResponseBase:
    """The PDF, served from storage: a published report's file is rendered once when it is published, a draft's
    once per version (text or data). With a worker (Celery) a missing file is rendered there while the page shows
    its progress, so no web worker waits for WeasyPrint; without one it is rendered here (about two seconds)."""
    report = get_object_or_404(_reports(request.user), pk=report_id)
    path = pdf_path(report)
    if not path.exists():
        if settings.CELERY_BROKER_URL:
            if request.GET.get("status"):
                return JsonResponse({"ready": False, **pdf_progress(path)})
            if cache.add(f"report-pdf-queued:{path.name}", 1, 300):  # one job per version, not one per poll
                report_pdf_render.delay(report.pk)
            if not path.exists():
                return render(request, "halfyear/pdf_wait.html", {"report": report, **pdf_progress(path)}, status=202)
        else:
            report_pdf_render(report.pk)
    if request.GET.get("status"):
        return JsonResponse({"ready": True, "percent": 100})
    audit_log(user=request.user, action="report_export", municipality=report.municipality, target=str(report),
              details={"stored": path.name})
    response = FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=f"halvaarsrapport-{report.municipality.code}-{report.period}.pdf")
    return response
