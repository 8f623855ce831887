from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import MANAGER, user_municipalities
from accounts.preselect import municipality_initial, municipality_remember
from accounts.services import audit_log
from reports.models import HalfYearReport, ReportSection
from reports.periods import Period, PeriodError

from .render import report_html, report_pdf
from .services import report_copy, report_create, report_publish, section_move
from .tasks import pdf_path, report_pdf_render


class ReportCreateForm(forms.Form):
    municipality = forms.ModelChoiceField(label="Kommune", queryset=None)
    period = forms.CharField(label="Periode", max_length=7, help_text="fx 2025H2")

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities

    def clean_period(self):
        try:
            period = Period.parse(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return str(period)


class SectionForm(forms.ModelForm):
    class Meta:
        model = ReportSection
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


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


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=report_id)
    editable = report.status == HalfYearReport.Status.DRAFT
    if request.method == "POST" and editable:
        if "title" in request.POST and "section" not in request.POST:
            report.title = request.POST["title"][:200] or report.title
            report.save(update_fields=["title", "updated_at"])
        elif "section" in request.POST:
            section = get_object_or_404(report.sections, pk=request.POST["section"])
            form = SectionForm(request.POST, instance=section)
            if form.is_valid():
                form.save()
                messages.success(request, f"Afsnittet »{section.title}« er gemt.")
        return redirect("report_edit", report_id=report.pk)
    sections = [(s, SectionForm(instance=s, prefix=f"s{s.pk}")) for s in report.sections.all()]
    return render(request, "halfyear/edit.html", {"report": report, "sections": sections, "editable": editable,
                                                  "kinds": ReportSection.Kind.choices})


@require_POST
def report_section(request: HttpRequest, report_id: int) -> HttpResponse:
    """Add, delete or move a section."""
    report = get_object_or_404(_reports(request.user), pk=report_id, status=HalfYearReport.Status.DRAFT)
    action = request.POST.get("action")
    if action == "add":
        kind = request.POST.get("kind", ReportSection.Kind.NARRATIVE)
        if kind not in ReportSection.Kind.values:
            kind = ReportSection.Kind.NARRATIVE
        last = report.sections.order_by("-order").first()
        ReportSection.objects.create(report=report, kind=kind, title=request.POST.get("title") or "Nyt afsnit",
                                     order=(last.order + 1) if last else 0)
    else:
        section = get_object_or_404(report.sections, pk=request.POST.get("section"))
        if action == "delete":
            section.delete()
        elif action in ("up", "down"):
            section_move(section=section, step=-1 if action == "up" else 1)
    return redirect("report_edit", report_id=report.pk)


@require_POST
def report_publish_view(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=report_id, status=HalfYearReport.Status.DRAFT)
    report_publish(report=report, user=request.user)
    messages.success(request, "Rapporten er offentliggjort; dens tal er nu låst.")
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
def report_pdf_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The PDF. With Celery it is rendered by a worker while the page waits; without, here and now."""
    report = get_object_or_404(_reports(request.user), pk=report_id)
    if settings.CELERY_BROKER_URL:
        path = pdf_path(report)
        if not path.exists():
            if request.GET.get("status"):
                return JsonResponse({"ready": False})
            report_pdf_render.delay(report.pk)
            if not path.exists():
                return render(request, "halfyear/pdf_wait.html", {"report": report}, status=202)
        if request.GET.get("status"):
            return JsonResponse({"ready": True})
        pdf, seconds = path.read_bytes(), 0.0
    else:
        pdf, seconds = report_pdf(report)
    audit_log(user=request.user, action="report_export", municipality=report.municipality, target=str(report),
              details={"seconds": round(seconds, 2)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="halvaarsrapport-{report.municipality.code}-{report.period}.pdf"'
    return response
