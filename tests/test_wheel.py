"""The built wheel works once installed, away from the repository.

The wheel is built from a copy of the source tree (the build writes nothing
into the checkout) and installed into a fresh virtual environment outside the
repository, without system site-packages.  Its dependencies are taken from the
environment running the tests through a ``.pth`` line (saving a download of
numpy, scipy, matplotlib...); the project itself is imported only from the
wheel, which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.browser_support import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

#: Left out of the copy the wheel is built from: environments, caches and earlier builds.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.egg-info", "build", "dist", ".*_cache", ".hypothesis", "*.db"
)


def run(command: list, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv outside the repository with the wheel installed; yields (bin folder, env, work dir)."""
    base = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LOCMAP_DATABASE_URL", "VIRTUAL_ENV")}
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(base / "dist"), str(source)], base, env)
    (wheel,) = (base / "dist").glob("locmap-*.whl")

    target = base / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(target)
    bin_dir = target / "bin"
    site = Path(
        run(
            [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base, env
        ).stdout.strip()
    )
    # Dependencies only: a .pth line is a plain path, so the editable install's own hooks in there never run.
    (site / "locmap-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(bin_dir / "python")]
    run([*pip, "install", "--no-deps", "--no-index", str(wheel)], base, env)
    run([*pip, "check"], base, env)  # every declared dependency is there for the wheel
    work = base / "work"
    work.mkdir()
    return bin_dir, env, work


def test_the_project_is_imported_from_the_wheel(installed):
    bin_dir, env, work = installed
    code = "import app, models, analysis, sample_localities; print(app.__file__, sample_localities.__file__)"
    files = run([str(bin_dir / "python"), "-c", code], work, env).stdout.split()
    venv_dir = bin_dir.parent.resolve()
    for file in files:
        assert Path(file).resolve().is_relative_to(venv_dir), file
        assert not Path(file).resolve().is_relative_to(ROOT)


def test_locmap_import_samples(installed):
    bin_dir, env, work = installed
    url = f"sqlite:///{work / 'imported.db'}"
    run([str(bin_dir / "locmap"), "import", "--samples", "--db", url], work, env)
    listed = run([str(bin_dir / "locmap"), "list", "--json", "--db", url], work, env)
    assert {row["id"] for row in json.loads(listed.stdout)} == {
        "abingdon",
        "banbury",
        "bicester",
        "city",
        "kidlington",
        "thame",
    }


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


def test_locmap_serve_demo_answers(installed):
    bin_dir, env, work = installed
    port = free_port()
    url = f"sqlite:///{work / 'served.db'}"
    server = subprocess.Popen(
        [str(bin_dir / "locmap"), "serve", "--demo", "--port", str(port), "--db", url],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the installed service did not start"
            time.sleep(0.2)
        status, kind, body = get(f"{base}/")
        assert status == 200 and kind.startswith("text/html") and b"Thame" in body
        status, kind, body = get(f"{base}/api/localities/thame/audit")
        audit = json.loads(body)
        assert status == 200 and audit["locality"] == "thame" and audit["findings"]
        status, kind, body = get(f"{base}/static/template.xlsx")
        assert status == 200 and body[:2] == b"PK"  # a workbook is a zip
    finally:
        server.terminate()
        try:
            output = server.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0]
    assert "loaded 6 sample localities" in output
