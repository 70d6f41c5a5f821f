"""Load test on loopback with wrk: the locality list, the cached audit, and a bare constant endpoint.

Starts ``locmap serve --demo`` and a bare FastAPI app returning a constant,
each as a single uvicorn worker on 127.0.0.1, and drives each with wrk at 50
and 200 connections.  Everything stays on this machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# wrk's summary lacks p95: a Lua hook prints the percentiles as JSON.
LUA = """
done = function(summary, latency, requests)
  io.write(string.format('JSON{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d,"p50":%d,"p95":%d,"p99":%d}\\n',
    summary.requests, summary.duration,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

BARE_APP = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/constant")
def constant():
    return {"status": "ok"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def wrk(url: str, connections: int, seconds: int, script: Path) -> dict:
    threads = 2 if connections >= 2 else 1
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    match = re.search(r"JSON(\{.*\})", done.stdout)
    data = json.loads(match.group(1))
    return {
        "connections": connections,
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": data["p50"] / 1000,
        "p95_ms": data["p95"] / 1000,
        "p99_ms": data["p99"] / 1000,
        "errors": data["connect"] + data["read"] + data["write"] + data["timeout"] + data["non2xx"],
        "error_kinds": {k: data[k] for k in ("connect", "read", "write", "timeout", "non2xx") if data[k]},
        "requests": data["requests"],
    }


def run(seconds: int = 10, clients: tuple[int, ...] = (50, 200)) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    # The environment running the benchmark, wherever it lives.
    python = Path(sys.executable)
    locmap = python.parent / "locmap"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "bare.py").write_text(BARE_APP)
        script = folder / "report.lua"
        script.write_text(LUA)
        service_port, bare_port = free_port(), free_port()
        env = {**os.environ, "LOCMAP_DATABASE_URL": f"sqlite:///{folder / 'load.db'}"}
        service = subprocess.Popen(
            [str(locmap), "serve", "--demo", "--port", str(service_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bare = subprocess.Popen(
            [str(python), "-m", "uvicorn", "bare:app", "--port", str(bare_port), "--log-level", "warning"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{service_port}"
            wait_for(base + "/health")
            wait_for(f"http://127.0.0.1:{bare_port}/constant")
            # Warm the code paths with one audit, then time the first (uncached)
            # audit of each other sample locality.
            urllib.request.urlopen(base + "/api/localities/thame/audit").read()
            uncached = {}
            for slug in ("abingdon", "banbury", "bicester", "city", "kidlington"):
                start = time.perf_counter()
                urllib.request.urlopen(f"{base}/api/localities/{slug}/audit").read()
                uncached[slug] = round((time.perf_counter() - start) * 1000, 1)
            uncached_ms = max(uncached.values())
            targets = {
                "bare constant": f"http://127.0.0.1:{bare_port}/constant",
                "locality list": base + "/api/localities",
                "cached audit": base + "/api/localities/thame/audit",
            }
            urllib.request.urlopen(targets["cached audit"]).read()  # warm the cache
            results = {name: [wrk(url, c, seconds, script) for c in clients] for name, url in targets.items()}
        finally:
            for process in (service, bare):
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
    return {
        "uncached_audit_http_ms": round(uncached_ms, 1),
        "uncached_audits_http_ms": uncached,
        "results": results,
        "seconds": seconds,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10), indent=2))
