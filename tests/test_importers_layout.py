"""The importers' structure (issue 23): one owner of a batch's status, modules of at most 400 lines, no
import cycles between the importers' modules, and the migration that gives the preview its own field."""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps

from importers.models import ImportBatch

ROOT = Path(__file__).resolve().parent.parent / "importers"
MODULES = sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_only_the_lifecycle_service_changes_a_batchs_status():
    assigning = []
    for path in MODULES:
        if path.name == "lifecycle.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = (node.targets if isinstance(node, ast.Assign) else
                       [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
            for target in targets:
                for element in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(element, ast.Attribute) and element.attr == "status":
                        assigning.append(f"{_name(path)}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("update", "create", "get_or_create", "update_or_create")
                    and any(k.arg == "status" for k in node.keywords)):
                assigning.append(f"{_name(path)}:{node.lineno}")
    assert assigning == []


def test_no_importers_module_is_over_400_lines():
    long = {_name(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_the_importers_modules_import_each_other_without_a_cycle():
    """Module-level imports only (a function-level import is a lazy load, each commented)."""
    names = {_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                modules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in names]
                if len(modules) < len(node.names) and base in names and base != name:
                    modules.append(base)
                graph[name] |= set(modules)
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        seen[name] = 1
        for other in sorted(graph[name]):
            if seen.get(other) == 1:
                raise AssertionError("import cycle: " + " → ".join([*path[path.index(other):], other]))
            if other not in seen:
                visit(other, [*path, other])
        seen[name] = 2

    for name in sorted(graph):
        if name not in seen:
            visit(name, [name])


@pytest.mark.django_db
def test_the_migration_moves_a_kept_preview_out_of_the_options():
    migration = importlib.import_module("importers.migrations.0009_batch_preview")
    kept = ImportBatch.objects.create(kind="offences", options={
        "_preview": [{"journal_number": "0400-1-16"}], "_columns": ["journal_number"], "_message": "2 rækker klar",
        "_kind_requested": "auto", "dst_table": "STRAF11"})
    plain = ImportBatch.objects.create(kind="offences", options={"dst_table": "FOLK1A"})
    migration.preview_out_of_options(apps, None)
    kept.refresh_from_db()
    plain.refresh_from_db()
    assert kept.preview == {"rows": [{"journal_number": "0400-1-16"}], "columns": ["journal_number"],
                            "message": "2 rækker klar"}
    assert kept.options == {"_kind_requested": "auto", "dst_table": "STRAF11"}
    assert plain.preview == {} and plain.options == {"dst_table": "FOLK1A"}
    migration.preview_into_options(apps, None)  # and back
    kept.refresh_from_db()
    assert kept.options["_message"] == "2 rækker klar" and kept.options["_columns"] == ["journal_number"]
