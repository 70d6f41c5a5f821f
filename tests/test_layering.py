"""The house rules of the code: layers depend downwards only, and no module imports itself round a cycle.

Every import counts, the ones inside functions included: a function-level
import defers loading (start-up stays fast), it must not hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from tests.conftest import ROOT

PACKAGES = ("app", "analysis", "models", "sample_localities")

#: Which project layers a layer may import (besides itself and the standard library).
ALLOWED = {
    "models": {"models"},
    "analysis": {"analysis", "models"},
    "sample_localities": set(),
    "app.errors": set(),
    "app.config": {"app.errors"},
    "app.process": set(),
    "app.samples": {"app.errors", "sample_localities"},
    "app.storage": {"app.storage", "app.errors", "app.config", "app.formats", "app.samples", "analysis", "models"},
    "app.formats": {"app.formats", "app.errors", "app.samples", "analysis", "models"},
    "app.maps": {"app.maps", "app.errors", "app.formats", "analysis", "models"},
    "app.synth": {"app.synth", "app.errors", "analysis", "models"},  # census answers follow the audit's structure facts
    "app.library": {"app.errors", "app.formats", "app.samples", "analysis", "models"},
    "app.web": {
        "app.web",
        "app.errors",
        "app.config",
        "app.process",
        "app.samples",
        "app.storage",
        "app.formats",
        "app.maps",
        "analysis",
        "models",
    },
    "app.cli": {"app"} | {"analysis", "models"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every project module ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import mod`` imports the module pkg.mod where there is one
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def import_graph() -> nx.DiGraph:
    modules = project_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, target) for target in imports_of(name, path, set(modules)))
    return graph


def layer_of(module: str) -> str:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return module


def test_there_is_no_import_cycle_anywhere():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    (tmp_path / "models" / "a.py").write_text("from models import b\n")
    (tmp_path / "models" / "b.py").write_text("def f():\n    from .a import x\n")
    monkeypatch.setattr("tests.test_layering.ROOT", tmp_path)
    monkeypatch.setattr("tests.test_layering.PACKAGES", ("models",))
    cycles = [c for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == [{"models.a", "models.b"}]


def test_layers_import_only_the_layers_beneath_them():
    wrong = []
    for source, target in import_graph().edges:
        allowed = ALLOWED[layer_of(source)]
        if layer_of(target) not in allowed and not any(target.startswith(a + ".") or target == a for a in allowed):
            if target != "app":  # the package itself holds only the version
                wrong.append(f"{source} imports {target}")
    assert wrong == []


def test_analysis_and_models_import_no_web_database_or_plotting_state():
    forbidden = ("app", "fastapi", "sqlmodel", "sqlalchemy", "starlette", "uvicorn", "matplotlib.pyplot")
    for package in ("analysis", "models"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "tables.py":  # the SQLModel tables are the models layer's one database module
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                bad = [n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)]
                assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
