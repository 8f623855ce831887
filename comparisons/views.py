from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from districts.models import Municipality
from reports import exporters
from reports.charts import plotly_data
from reports.figures import with_intervals
from reports.memo import memo
from reports.periods import PeriodError
from reports.templatetags.dk import intervals_query
from reports.versioning import versioned_cache

from .charts import indicator_chart
from .models import Indicator
from .page import category_choices, comparison_content
from .pages import indicator_rows, measure_choices, survey_table
from .services import ComparisonError, comparison_table, latest_complete_year, peer_suggestions


def _params(request, municipality):
    """Default: the ten years up to the newest complete year of STRAF11 (the data decide, not the code)."""
    year = versioned_cache("comparison-latest-year", (), latest_complete_year) or timezone.localdate().year - 1
    latest = str(year)
    categories = [c.strip() for c in request.GET.getlist("category") if c.strip()]
    return {
        "period_from": request.GET.get("period_from") or str(year - 9),
        "period_to": request.GET.get("period_to") or latest,
        "categories": list(dict.fromkeys(categories)) or ["TOT"],
        "peers": request.GET.get("peers", "").strip(),
        "members": request.GET.get("members") == "1",
        "intervals": request.GET.get("intervals") == "1",  # "Vis usikkerhed" (reports.uncertainty)
    }


def _table(municipality, params):
    table = comparison_table(municipality=municipality, period=params["period_from"], to=params["period_to"],
                             categories=params["categories"], peers=params["peers"] or None)
    return with_intervals(table, slug="municipality-comparison") if params["intervals"] else table


@require_GET
def comparison(request: HttpRequest, code: str) -> HttpResponse:
    with memo():  # the data version is read once for every cached piece
        return _comparison(request, code)


def _comparison(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    params = _params(request, municipality)
    key = (code, params["period_from"], params["period_to"], tuple(params["categories"]), params["peers"],
           params["members"], params["intervals"])
    form_html = versioned_cache("comparison-form", key, lambda: render_to_string(
        "comparisons/_comparison_form.html", {"params": params, "suggestions": peer_suggestions(),
                                              "category_choices": category_choices()}))
    context = {"municipality": municipality, "form_html": mark_safe(form_html)}  # noqa: S308 (our own rendering)
    try:
        # the page's body as one string, as the dashboard's: a cached page renders two strings into its frame
        body_html = versioned_cache("comparison-body", key, lambda: _body(municipality, params))
    except (ComparisonError, PeriodError) as exc:
        context["error"] = str(exc)
        return render(request, "comparisons/comparison.html", context, status=400)
    context["body_html"] = mark_safe(body_html)  # noqa: S308
    return render(request, "comparisons/comparison.html", context)


def _body(municipality: Municipality, params: dict) -> str:
    content = comparison_content(
        municipality=municipality, period_from=params["period_from"], period_to=params["period_to"],
        categories=params["categories"], peers=params["peers"], show_members=params["members"],
        intervals=params["intervals"])
    query = urlencode({"period_from": params["period_from"], "period_to": params["period_to"],
                       "category": params["categories"], "peers": params["peers"],
                       **({"intervals": "1"} if params["intervals"] else {})}, doseq=True)
    return render_to_string("comparisons/_comparison_body.html",
                            {**content, "municipality": municipality, "query": query,
                             "intervals": params["intervals"], "intervals_toggle": intervals_query(query)[1]})


@require_GET
def comparison_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    params = _params(request, municipality)
    try:
        table = _table(municipality, params)
    except (ComparisonError, PeriodError) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    fmt = exporters.URL_FORMATS[fmt]  # "da.csv" is the "CSV (dansk Excel)"
    about = exporters.comparison_about(municipality=municipality, params=params) if fmt in ("csv-da", "xlsx") else None
    response = HttpResponse(exporters.export(table, fmt, sheet="sammenligning", about=about, bom=True),
                            content_type=exporters.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (f'attachment; filename="{code}-municipality-comparison.'
                                       f'{exporters.FILE_ENDINGS[fmt]}"')
    return response


@require_GET
def indicators(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    rows = indicator_rows(municipality)
    for row in rows:
        row["chart"] = plotly_data(indicator_chart(row))
        row["chart_id"] = f"ind-data-{row['indicator'].pk}"
    survey, survey_chart = survey_table(municipality)
    return render(request, "comparisons/indicators.html", {
        "municipality": municipality, "rows": rows, "survey": survey,
        "survey_chart": plotly_data(survey_chart) if survey_chart is not None else None,
    })


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "measure", "unit", "direction", "baseline_value", "baseline_year", "target_value",
                  "target_year", "order"]

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        choices = measure_choices(municipality)
        current = self.instance.measure if self.instance.pk else ""
        if current and current not in dict(choices):  # keep a measure no longer offered visible
            choices.append((current, current))
        self.fields["measure"] = forms.ChoiceField(
            label=_("Måling"), choices=choices, help_text=_("Hvad indikatoren følger, år for år."),
            # Django's Danish catalogue lacks this message; it would fall back to English
            error_messages={"invalid_choice": _("Vælg en måling fra listen; »%(value)s« findes ikke.")})


@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, code: str, indicator_id: int | None = None) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    instance = get_object_or_404(Indicator, pk=indicator_id, municipality=municipality) if indicator_id else None
    form = IndicatorForm(request.POST or None, instance=instance, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        indicator = form.save(commit=False)
        indicator.municipality = municipality
        indicator.save()
        return redirect("indicators", code=code)
    return render(request, "comparisons/indicator_form.html", {"municipality": municipality, "form": form})
