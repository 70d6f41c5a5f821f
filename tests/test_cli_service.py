"""`locmap user` and `locmap serve` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from app.cli import main
from tests.conftest import LOCMAP_SCRIPT


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_user_add_list_revoke(capsys, db_url):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.web.main import create_app

    assert run(capsys, "import", "--samples", "--db", db_url)[0] == 0
    code, out, err = run(capsys, "user", "add", "ed", "--role", "editor", "--locality", "thame", "--db", db_url)
    assert code == 0, err
    token = re.search(r"(lm_\S+)", out).group(1)
    code, out, _ = run(capsys, "user", "list", "--db", db_url)
    assert "ed" in out and "editor" in out and "thame" in out and token not in out
    app = create_app(Settings(database_url=db_url, load_samples=False))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}  # writes are conditional
        assert (
            client.patch("/api/localities/thame/groups/thame-network", headers=headers, json={"hours": 1.5}).status_code
            == 200
        )
        assert client.patch("/api/localities/city/groups/mast", headers=headers, json={"hours": 1.5}).status_code == 403
        assert run(capsys, "user", "revoke", "ed", "--db", db_url)[0] == 0
        assert client.get("/api/localities", headers=headers).status_code == 401


def test_user_add_errors(capsys, db_url):
    cases = [
        (["user", "add", "Bad Name", "--role", "viewer"], "invalid user name"),
        (["user", "add", "x", "--role", "superuser"], "unknown role"),
        (["user", "add", "x", "--role", "editor", "--locality", "nowhere"], "no locality 'nowhere'"),
        (["user", "add", "x", "--role", "viewer", "--locality", "thame"], "no locality 'thame'"),
        (["user", "revoke", "nobody"], "no user named 'nobody'"),
    ]
    for args, expected in cases:
        code, out, err = run(capsys, *args, "--db", db_url)
        assert code != 0 and expected in err, (args, err)
    assert run(capsys, "user", "add", "x", "--role", "viewer", "--db", db_url)[0] == 0
    code, _, err = run(capsys, "user", "add", "x", "--role", "viewer", "--db", db_url)
    assert code != 0 and "already exists" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_demo_serves_the_samples(tmp_path):
    port = _free_port()
    command = [str(LOCMAP_SCRIPT)] if LOCMAP_SCRIPT.exists() else [sys.executable, "-m", "app.cli"]
    env = {**os.environ, "LOCMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    process = subprocess.Popen(
        [*command, "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # a loaded CI machine can take many seconds to import and load the samples
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            process.terminate()  # before reading its stderr, which a running process never closes
            raise AssertionError("the service did not start: " + process.communicate(timeout=10)[1])
        with urllib.request.urlopen(f"{base}/api/localities/thame/audit", timeout=10) as response:
            audit = json.load(response)
        assert audit["locality"] == "thame" and "NO_LINK_TO_CENTRE" in {f["code"] for f in audit["findings"]}
        request = urllib.request.Request(f"{base}/api/localities/thame", method="DELETE")
        try:
            urllib.request.urlopen(request, timeout=5)
            raise AssertionError("an anonymous delete succeeded")
        except urllib.error.HTTPError as error:
            assert error.code == 401
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert "loaded 6 sample localities" in out and f"http://localhost:{port}/" in out
