"""The apps in layers (issue 23): a package imports only packages below it, so no two apps import each other.

``make lint`` checks the whole contract of ``pyproject.toml`` with ``lint-imports``; this test checks each
package's own imports (at any depth of the module, functions included), so a broken layer also fails pytest.
"""

import grimp
import pytest

LAYERS = ["dke_dashboard", "seeding", "importers", "comparisons", "reports", "accounts", "districts", "common"]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*LAYERS)


def test_the_contract_in_pyproject_is_these_layers():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["root_packages"] == LAYERS
    (contract,) = config["contracts"]
    assert contract["type"] == "layers" and contract["layers"] == LAYERS and "ignore_imports" not in contract


@pytest.mark.parametrize("package", ["seeding", "comparisons", "accounts", "districts", "common"])
def test_a_package_imports_nothing_above_it(graph, package):
    above = set(LAYERS[:LAYERS.index(package)])
    upward = sorted(
        f"{module} -> {imported}"
        for module in graph.find_children(package) | graph.find_descendants(package) | {package}
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] in above
    )
    assert upward == []


def test_accounts_knows_neither_imports_nor_reports_before_and_after_the_fix(graph):
    """The access policy's middleware and the audit signals once imported ImportBatch, HalfYearReport and
    CategoryRule (hidden inside functions); the project now tells accounts about them."""
    assert not graph.chain_exists(importer="accounts", imported="importers", as_packages=True)
    assert not graph.chain_exists(importer="accounts", imported="reports", as_packages=True)
    assert graph.chain_exists(importer="dke_dashboard.middleware", imported="importers.models")
