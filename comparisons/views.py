from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from districts.models import Municipality
from reports import exporters
from reports.charts import plotly_data
from reports.periods import PeriodError
from reports.templatetags.dk import intervals_query
from reports.uncertainty import with_intervals

from .charts import comparison_chart, comparison_map, indicator_chart
from .models import Indicator
from .pages import indicator_rows, measure_choices, survey_table
from .services import ComparisonError, comparison_table, latest_complete_year

GROUPS = ["Hovedstadskommuner", "Storbykommuner", "Provinsbykommuner", "Oplandskommuner", "Landkommuner"]


def _params(request, municipality):
    """Default: the ten years up to the newest complete year of STRAF11 (the data decide, not the code)."""
    year = latest_complete_year() or timezone.localdate().year - 1
    latest = str(year)
    return {
        "period_from": request.GET.get("period_from") or str(year - 9),
        "period_to": request.GET.get("period_to") or latest,
        "category": request.GET.get("category") or "TOT",
        "peers": request.GET.get("peers", ""),
        "intervals": request.GET.get("intervals") == "1",  # "Vis usikkerhed" (reports.uncertainty)
    }


def _table(municipality, params):
    table = comparison_table(municipality=municipality, period=params["period_from"], to=params["period_to"],
                             categories=[params["category"]], peers=params["peers"] or None)
    return with_intervals(table, slug="municipality-comparison") if params["intervals"] else table


@require_GET
def comparison(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    params = _params(request, municipality)
    context = {"municipality": municipality, "params": params, "groups": GROUPS, "query": request.GET.urlencode(),
               "intervals_toggle": intervals_query(request.GET.urlencode())[1]}
    try:
        table = _table(municipality, params)
    except (ComparisonError, PeriodError) as exc:
        context["error"] = str(exc)
        return render(request, "comparisons/comparison.html", context, status=400)
    context["table"] = table.astype(object).to_dict("records")
    context["chart"] = plotly_data(comparison_chart(table=table, municipality_code=municipality.code))
    all_areas = comparison_table(municipality=municipality, period=params["period_to"], categories=[params["category"]],
                                 peers=list(Municipality.objects.values_list("code", flat=True)))
    context["map"] = plotly_data(comparison_map(table=all_areas))
    context["map_table"] = all_areas.sort_values("reports_per_1000", ascending=False).astype(object).to_dict("records")
    context["map_period"] = params["period_to"]
    return render(request, "comparisons/comparison.html", context)


@require_GET
def comparison_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, code=code)
    try:
        table = _table(municipality, _params(request, municipality))
    except (ComparisonError, PeriodError) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(exporters.export(table, fmt, sheet="sammenligning"), content_type=exporters.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{code}-municipality-comparison.{fmt}"'
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
