"""Schemathesis against the live service on loopback, stateful phase on, with a token for each role."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_support import live_server
from tests.conftest import reliability

#: The schemathesis command of the environment running the tests (it comes with the test extra).
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES = os.environ.get("LOCMAP_FUZZ_EXAMPLES", "5")

pytestmark = pytest.mark.slow


def test_schemathesis_live_as_every_role(tmp_path):
    command = [str(SCHEMATHESIS)] if SCHEMATHESIS.exists() else [shutil.which("schemathesis") or ""]
    if not command[0]:
        pytest.fail("the schemathesis command is not installed (pip install -e '.[test]')")
    from app.storage import store  # noqa: F401
    from app.storage.accounts import create_user
    from app.storage.db import create_schema, make_engine, session_scope
    from app.web.main import load_samples_if_empty

    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    engine = make_engine(url)
    create_schema(engine)
    load_samples_if_empty(engine)
    tokens = {}
    with session_scope(engine) as session:
        tokens["viewer"] = create_user(session, "fuzz-viewer", "viewer")[1]
        tokens["editor"] = create_user(session, "fuzz-editor", "editor", ["thame"])[1]
        tokens["admin"] = create_user(session, "fuzz-admin", "admin")[1]
    engine.dispose()
    totals = {"cases": 0, "failures": 0, "errors": 0}
    with live_server(url, demo=False) as (base, _):
        for role, token in tokens.items():
            report = tmp_path / f"{role}.json"
            done = subprocess.run(
                [
                    *command,
                    "run",
                    f"{base}/api/openapi.json",
                    "-H",
                    f"Authorization: Bearer {token}",
                    "--phases",
                    "examples,coverage,fuzzing,stateful",
                    "-n",
                    EXAMPLES,
                    "--checks",
                    CHECKS,
                    "--seed",
                    "1",
                    "--request-timeout",
                    "30",
                    "--report",
                    "json",
                    "--report-json-path",
                    str(report),
                ],
                capture_output=True,
                text=True,
                timeout=900,
                cwd=tmp_path,
            )
            data = json.loads(report.read_text())
            cases = data["test_cases"]["generated"]
            failures, errors = len(data["failures"]), len(data["errors"])
            reliability(f"schemathesis live as {role}: {cases} cases, {failures} failures, {errors} errors")
            totals["cases"] += cases
            totals["failures"] += failures
            totals["errors"] += errors
            assert cases > 0, f"no case ran as {role}: {done.stdout[-4000:]}"
            assert done.returncode == 0 and failures == 0 and errors == 0, done.stdout[-4000:]
    reliability(
        f"schemathesis live, stateful, all roles: {totals['cases']} cases, {totals['failures'] + totals['errors']} server errors or schema failures"
    )
