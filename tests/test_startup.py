"""Start-up loads only what a command needs: ``python -X importtime`` lists every module a command imported.

Each case runs the command in a fresh interpreter, as a user does, and fails
if a module that command has no use for was loaded (issue 14: start-up in
milliseconds).  No timing is asserted: what is loaded is.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SAMPLES_DIR

#: Never needed by a command that reads files: the database, the web service, spreadsheets, charts, notebooks.
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "fastapi", "starlette", "uvicorn", "jinja2", "openpyxl", "IPython")
CHARTS = ("matplotlib", "matplotlib.pyplot", "PIL")
ANALYSIS = ("networkx", "scipy", "numpy", "igraph")
THAME = str(SAMPLES_DIR / "thame.yaml")


def imported_modules(*args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules ``python -m app.cli ARGS`` imports, read from ``-X importtime`` on standard error."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                modules.add(name)
    return modules, result


def loaded_of(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in modules if name in forbidden or name.split(".")[0] in forbidden)


def test_the_import_listing_is_read():
    # The parser must see imports at all, or every check below would pass vacuously.
    modules, result = imported_modules("--version")
    assert result.returncode == 0
    assert "app.cli" in modules and "encodings" in modules


def test_version_loads_neither_typer_nor_rich_nor_the_models():
    modules, result = imported_modules("--version")
    assert result.stdout.strip().startswith("locmap ")
    assert loaded_of(modules, ("typer", "rich", "click", "pydantic", "yaml", *HEAVY, *CHARTS, *ANALYSIS)) == []


def test_help_loads_no_models_database_or_analysis():
    modules, result = imported_modules("--help")
    assert result.returncode == 0 and "audit" in result.stdout
    assert loaded_of(modules, ("pydantic", *HEAVY, *CHARTS, *ANALYSIS)) == []


def test_validate_loads_no_database_analysis_or_charts():
    modules, result = imported_modules("validate", THAME)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "pydantic" in modules
    assert loaded_of(modules, (*HEAVY, *CHARTS, *ANALYSIS)) == []


def test_audit_json_loads_the_analysis_but_no_database_web_or_spreadsheets():
    modules, result = imported_modules("audit", THAME, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "analysis.audit" in modules
    assert loaded_of(modules, HEAVY) == []


def test_audit_json_of_a_sample_loads_neither_scipy_nor_networkx():
    # The audit walks its own link graph and sparse arrays, and computes a
    # small graph's betweenness in Python: loading scipy (0.2 s) or NetworkX
    # (0.25 s) would cost more than the audit of a sample itself.
    modules, result = imported_modules("audit", THAME, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert loaded_of(modules, ("scipy", "networkx")) == []


def test_audit_json_of_a_sample_loads_neither_igraph_nor_charts():
    modules, result = imported_modules("audit", THAME, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert loaded_of(modules, ("igraph", *CHARTS)) == []


def test_audit_of_a_file_builds_no_census_answer_models():
    # A file holds no census: the audit reads the census's scales from models.vocab,
    # and the respondent's answer models (models.census) are never built.
    modules, result = imported_modules("audit", THAME, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "analysis.census_findings" in modules and "models.vocab" in modules
    assert loaded_of(modules, ("models.census", "models.tables")) == []


def test_compare_of_files_loads_no_database_or_web():
    modules, result = imported_modules("compare", THAME, str(SAMPLES_DIR / "city.yaml"), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert loaded_of(modules, HEAVY) == []


def test_no_command_pulls_pyplot_or_ipython_through_the_cli_modules():
    # Importing every command family (what `locmap --help` does) loads no charts and no notebook machinery.
    modules, _ = imported_modules("synth", "--help")
    assert loaded_of(modules, ("IPython", *CHARTS)) == []


def test_igraph_is_loaded_without_pyplot_and_matplotlib_still_imports():
    code = (
        "import sys, numpy as np, scipy.sparse as sp\n"
        "from analysis.kernels import IGRAPH_FROM_NODES, betweenness\n"
        "n = IGRAPH_FROM_NODES + 50\n"
        "upper = sp.random(n, n, density=4 / n, random_state=1, format='csr')\n"
        "betweenness(((upper + upper.T) > 0).astype(np.int8).tocsr())\n"
        "assert 'igraph' in sys.modules, 'igraph was not used'\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'igraph pulled in pyplot'\n"
        "from matplotlib.figure import Figure\n"
        "Figure()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_family_table_names_every_command_and_its_module():
    from app.cli import COMMAND_FAMILIES, register_commands
    from app.cli.app import cli

    register_commands([])  # no command named: every family
    found = {info.name or info.callback.__name__: info.callback.__module__ for info in cli.registered_commands}
    for group in cli.registered_groups:
        found[group.name] = group.typer_instance.registered_commands[0].callback.__module__
    assert found == {command: f"app.cli.{family}" for command, family in COMMAND_FAMILIES.items()}


def test_a_command_loads_only_its_own_family():
    modules, result = imported_modules("validate", THAME)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "app.cli.files" in modules
    assert loaded_of(modules, ("app.cli.audit", "app.cli.service", "app.cli.synth")) == []


def test_help_and_unknown_words_still_list_every_command():
    modules, result = imported_modules("audti")
    assert result.returncode == 2 and "No such command" in result.stderr
    assert {"app.cli.audit", "app.cli.files", "app.cli.service", "app.cli.synth"} <= modules


def test_the_console_script_closes_its_database_the_collector_it_skips_at_exit_would_have(tmp_path):
    # run() freezes the heap at exit, so nothing is left for the collector to close: the command closes its
    # engines itself, and SQLite folds its write-ahead log back into the file (which alone then holds the data).
    url = f"sqlite:///{tmp_path / 'locmap.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", THAME, "--db", url], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locmap.db"]


def test_the_console_script_collects_young_objects_in_large_batches():
    code = "import atexit, gc, sys; from app import cli; sys.argv = ['locmap', 'list', '--help']; "
    code += "atexit.register(lambda: print('threshold', gc.get_threshold()[0], gc.isenabled())); cli.run()"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    from app.process import GC_YOUNG_THRESHOLD

    assert done.stdout.splitlines()[-1] == f"threshold {GC_YOUNG_THRESHOLD} True"


def test_a_json_file_is_read_without_pyyaml(tmp_path):
    from models.validation import dump_document, load_path

    json_file = tmp_path / "thame.json"
    json_file.write_text(dump_document(load_path(THAME), ".json"), encoding="utf-8")
    modules, result = imported_modules("audit", str(json_file), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert loaded_of(modules, ("yaml",)) == []
    modules, result = imported_modules("audit", THAME, "--json")
    assert "yaml" in modules  # a near miss: YAML text still loads it


def test_an_audit_counted_by_igraph_loads_neither_numpy_ma_nor_scipy(tmp_path):
    # A synthetic locality (~900 nodes) is past IGRAPH_FROM_NODES: its exact betweenness is igraph's, pendants folded.
    path = tmp_path / "locality.json"
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "synth", "--scale", "locality", "--seed", "1", "-o", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    modules, result = imported_modules("audit", str(path), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "igraph" in modules
    assert loaded_of(modules, ("numpy.ma", "scipy", "networkx")) == []
