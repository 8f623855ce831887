"""Template filters: numbers through ``common.formatting`` (Danish 1.814 and 40,5; English 1,814 and 40.5)."""

from django import template
from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string

from common.formatting import number, percent
from reports.tables import NUMBER_COLUMNS
from reports.versioning import versioned_cache

register = template.Library()


format_dk = number  # kept for templates' and tests' old name


@register.filter(name="dk")
def dk(value, decimals=0):
    return format_dk(value, int(decimals))


@register.filter(name="dkpct")
def dkpct(value):
    return percent(value, 0)


@register.filter(name="get")
def get(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def significance_level() -> str:
    """The setting SIGNIFICANCE_LEVEL in Danish per cent: 0.05 → "5 %"."""
    return f"{format_dk(settings.SIGNIFICANCE_LEVEL * 100, 0 if (settings.SIGNIFICANCE_LEVEL * 100).is_integer() else 1)} %"


def intervals_query(query: str, name: str = "intervals") -> tuple[bool, str]:
    """Whether ``query`` asks for the uncertainty ("Vis usikkerhed"; or another on/off filter ``name``), and the
    query string that switches it: a plain link, so the toggle works without JavaScript and from the keyboard."""
    data = QueryDict(query, mutable=True)
    shown = data.get(name, "") not in ("", "0", "false", "False")
    data.pop(name, None)
    if not shown:
        data[name] = "1"
    return shown, data.urlencode()


@register.simple_tag(takes_context=True)
def figure_section(context, fig, single=False, open_table=False, cached=True):
    """One figure's section (chart data, table, downloads), rendered once per data version.

    The dashboard's tables are the bulk of its HTML; the section depends only on the figure
    block, the municipality, the query string and these flags, never on the user. The dashboard
    caches its whole body instead (``cached=False``), so its sections are not stored twice.
    """
    municipality, query, public = context.get("municipality"), context.get("query", ""), context.get("public", False)
    intervals, intervals_toggle = intervals_query(query)
    _partial, partial_toggle = intervals_query(query, "partial")  # partly covered periods in the trends or not
    values = {"partial_toggle": partial_toggle, "fig": fig, "municipality": municipality, "query": query, "public": public, "single": single,
              "open_table": open_table, "chart_id": f"chart-data-{fig.spec.slug}", "num_columns": NUMBER_COLUMNS,
              "intervals": intervals, "intervals_toggle": intervals_toggle}
    if not cached:
        return render_to_string("reports/_figure.html", values)
    return versioned_cache("figure-html", (fig.spec.slug, getattr(municipality, "pk", None), query, public, single,
                                           open_table),
                           lambda: render_to_string("reports/_figure.html", values))
