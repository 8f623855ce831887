"""Issue 23: one home per figure (``reports/figures/``), reports below comparisons, importers and the project."""

import ast
from pathlib import Path

import pandas as pd
import pytest

from reports.figures import EXTRA_TABLES, FIGURES, Figure

REPORTS = Path(__file__).resolve().parent.parent / "reports"
FIGURE_MODULES = {"reports_by_period", "reports_per_1000", "offence_mix", "reports_share", "charges_by_category",
                  "charges_share", "charged_persons_residence", "young_charged_share"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_each_figure_is_one_module_of_the_registry_in_the_dashboards_order():
    modules = {p.stem for p in (REPORTS / "figures").glob("*.py")} - {"__init__", "base"}
    assert modules == FIGURE_MODULES
    assert list(FIGURES) == ["reports-by-period", "reports-per-1000", "offence-mix", "reports-share",
                             "charges-by-category", "charges-share", "charged-persons-residence",
                             "young-charged-share"]
    for slug, figure in FIGURES.items():
        assert isinstance(figure, Figure) and figure.slug == slug
        assert type(figure).__module__ == f"reports.figures.{slug.replace('-', '_')}"
    # the personal figures are the protected ones; fig. 8 and the shares have no interval columns
    assert {s for s, f in FIGURES.items() if f.protection} == {s for s, f in FIGURES.items() if f.personal} == {
        "charges-by-category", "charges-share", "charged-persons-residence", "young-charged-share"}
    assert {s for s, f in FIGURES.items() if f.intervals is None} == {"reports-share", "charges-share",
                                                                       "charged-persons-residence"}


def test_reports_imports_none_of_the_apps_above_it():
    above = ("comparisons", "importers", "seeding", "dke_dashboard")
    offending = {str(path.relative_to(REPORTS)): sorted(n for n in _imports(path) if n.split(".")[0] in above)
                 for path in REPORTS.rglob("*.py") if "migrations" not in path.parts}
    assert {path: names for path, names in offending.items() if names} == {}


def test_no_reports_module_is_over_400_lines():
    long = {str(p.relative_to(REPORTS)): n for p in REPORTS.rglob("*.py") if "migrations" not in p.parts
            and (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_the_comparison_is_a_table_comparisons_registers():
    """reports serves the comparison's download without importing comparisons: comparisons registers it."""
    from comparisons.services import ComparisonError, comparison_table

    table = EXTRA_TABLES["municipality-comparison"]
    assert table.compute is comparison_table and table.errors == (ComparisonError,)
    assert table.intervals is not None and table.intervals.keys == ("municipality_code", "category")


@pytest.mark.django_db
def test_warming_calls_the_dashboard_service_not_the_view(town, monkeypatch):
    from reports import warm

    def no_view(*args, **kwargs):
        raise AssertionError("the warming job rendered the view")

    monkeypatch.setattr("reports.views.dashboard", no_view)
    bodies = []
    monkeypatch.setattr(warm, "default_dashboard_body",
                        lambda municipality, *, public: bodies.append((municipality.code, public)))
    assert set(warm.dashboards_warm()) == {"165"}
    assert bodies == [("165", False)]


def test_a_figure_draws_its_own_chart_from_its_table():
    """Fig. 5's chart is stacked (100 % per category) and titled by its last period; fig. 3's is not."""
    share = pd.DataFrame({"period": ["2016", "2016", "2017", "2017"], "category": ["vold"] * 4,
                          "district": ["A", "B", "A", "B"], "reports_per_1000": [1.0, 3.0, 2.0, 2.0],
                          "share_pct": [25.0, 75.0, 50.0, 50.0]})
    chart = FIGURES["reports-share"].web_chart(share, districts=[("A", "#111111"), ("B", "#222222")])
    assert chart["layout"]["barmode"] == "stack"
    assert chart["layout"]["title"]["text"].endswith("(2017)")
    assert [trace["y"] for trace in chart["data"]] == [[50.0], [50.0]]
    rates = pd.DataFrame({"period": ["2016", "2017"], "district": ["A", "A"], "reports": [10, 20],
                          "population": [1000.0, 2000.0], "reports_per_1000": [10.0, 10.0]})
    chart = FIGURES["reports-per-1000"].web_chart(rates, districts=[("A", "#111111")])
    assert chart["layout"]["barmode"] == "group" and chart["layout"]["title"]["text"] == (
        "Figur 3. Anmeldelser pr. 1.000 indbyggere")
