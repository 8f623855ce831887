from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.preselect import municipality_remember
from accounts.services import audit_log
from districts.models import Municipality

from . import exporters, selectors
from .coverage import municipality_coverage, without_uncovered
from .dashboard import Filters, dashboard_body, default_filters, figure_block
from .figures import EXTRA_TABLES, FIGURES
from .forms import FigureFilterForm
from .memo import memo
from .services import FigureError, figure_table


def _is_public(request: HttpRequest) -> bool:
    return getattr(request, "public_view", not request.user.is_authenticated)


def _filters(request: HttpRequest, municipality: Municipality) -> tuple[FigureFilterForm, Filters]:
    defaults = default_filters(municipality)
    districts = [(d.name, d.name) for d in selectors.districts_of(municipality=municipality)]
    categories = list(selectors.category_names().items())
    data = None
    if request.GET:
        data = request.GET.copy()
        asked = request.GET.get("period_from")
        if asked and not data.get("period_to"):
            data["period_to"] = asked  # one period asked for, as `export_figure` without --to
        for name in ("period_from", "period_to", "date_basis", "measure"):
            if not data.get(name):
                data[name] = getattr(defaults, name)
        if not data.getlist("categories"):
            data.setlist("categories", defaults.categories)  # show which categories are used
    form = FigureFilterForm(data, categories=categories, districts=districts,
                            initial={**defaults.query(), "districts": []})
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        filters = Filters(
            period_from=cleaned["period_from"], period_to=cleaned["period_to"],
            categories=cleaned["categories"] or defaults.categories, districts=cleaned["districts"],
            date_basis=cleaned["date_basis"] or "report", measure=cleaned["measure"] or "",
            intervals=bool(cleaned.get("intervals")), partial=bool(cleaned.get("partial")),
        )
        return form, filters
    return form, defaults


def _filter_errors(form: FigureFilterForm) -> str:
    """The form's errors as plain Danish lines, each naming its field ("Bydele: Marker en gyldig …")."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines += [f"{label}: {error}" if label else str(error) for error in errors]
    return "\n".join(lines)


@require_GET
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    municipality_remember(request, municipality)  # the data-quality page and the forms start on it
    with memo():  # the page reads each selector result and the data version once
        form, filters = _filters(request, municipality)
        public, query = _is_public(request), request.GET.urlencode()
        context = {"municipality": municipality, "form": form, "filters": filters, "public": public, "query": query,
                   "error": None, "data_line": municipality_coverage(municipality).data_line()}
        if form.errors:
            return render(request, "reports/dashboard.html", context, status=400)
        try:
            context["body"] = dashboard_body(municipality=municipality, filters=filters, public=public, query=query)
        except FigureError as exc:
            context["error"] = str(exc)
            return render(request, "reports/dashboard.html", context, status=400)
        return render(request, "reports/dashboard.html", context)


@require_GET
def figure_detail(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    if slug not in FIGURES:
        raise Http404("Ukendt figur")
    with memo():  # as on the dashboard: the filter form's lookups are the figure's too
        form, filters = _filters(request, municipality)
        public = _is_public(request)
        context = {"municipality": municipality, "form": form, "filters": filters, "query": request.GET.urlencode(),
                   "public": public, "slug": slug, "data_line": municipality_coverage(municipality).data_line()}
        if form.errors:  # never the default periods in place of the ones asked for
            return render(request, "reports/figure.html", context, status=400)
        try:
            context["fig"] = figure_block(slug=slug, municipality=municipality, filters=filters, public=public)
        except FigureError as exc:
            context["error"] = str(exc)
            return render(request, "reports/figure.html", context, status=400)
        return render(request, "reports/figure.html", context)


@require_GET
def figure_download(request: HttpRequest, code: str, slug: str, fmt: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    if slug not in FIGURES and slug not in EXTRA_TABLES:
        raise Http404("Ukendt figur")
    form, filters = _filters(request, municipality)
    if form.errors:  # a file of the default periods in place of the ones asked for would mislead
        return HttpResponse(_filter_errors(form), status=400, content_type="text/plain; charset=utf-8")
    try:
        table = figure_table(slug=slug, municipality=municipality, period=filters.period_from, to=filters.period_to,
                             categories=filters.categories, districts=filters.districts or None,
                             date_basis=filters.date_basis, public=_is_public(request),
                             intervals=filters.intervals)
    except FigureError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if slug in FIGURES:  # a period without data is no data, never 0 (reports.coverage)
        table = without_uncovered(table, municipality_coverage(municipality))
    fmt = exporters.URL_FORMATS[fmt]  # "da.csv" (…/<slug>.da.csv) is the "CSV (dansk Excel)"
    about = (exporters.figure_about(slug=slug, municipality=municipality, filters=filters, public=_is_public(request))
             if fmt in ("csv-da", "xlsx") and slug in FIGURES else None)
    response = HttpResponse(exporters.export(table, fmt, sheet=slug, about=about, bom=True),
                            content_type=exporters.CONTENT_TYPES[fmt])
    name = f"{municipality.code}-{slug}-{filters.period_from}-{filters.period_to}.{exporters.FILE_ENDINGS[fmt]}"
    spec = FIGURES.get(slug)
    if spec is not None and spec.personal and not _is_public(request):  # exact counts of charges or persons
        audit_log(user=request.user, action="figure_download", municipality=municipality, target=name)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
