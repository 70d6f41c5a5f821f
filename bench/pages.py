"""Pages under load: the locality page, its map data and the audit, anonymous and signed in.

Reproduce (2 cores; say if the machine is shared)::

    locmap synth --scale county --seed 1 -o /tmp/county
    for f in /tmp/county/loc-*.json; do locmap import "$f" --db sqlite:////tmp/county.db; done
    python -m bench.pages --db /tmp/county.db --slug loc-013 --seconds 20

It copies the database, adds a viewer with an API token, starts
``locmap serve --demo`` on 127.0.0.1 and a free port (from ``--source``: a
``git archive`` copy of an older tree gives the "before"), times the first and
second request of each cached thing (page, map data, chart, downloads), then
drives wrk at 50 connections: the locality page, the cached audit anonymously
and with ``Authorization: Bearer``.  Peak RSS is the server's VmHWM.
Output is JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.loadtest import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent

# wrk's summary lacks p95 and counts: a Lua hook prints them as JSON.
LUA = """
done = function(summary, latency, requests)
  io.write(string.format('JSON{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d,"p50":%d,"p95":%d,"p99":%d}\\n',
    summary.requests, summary.duration,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def wrk(url: str, seconds: int, connections: int, script: Path, headers: dict[str, str]) -> dict:
    """One wrk run; errors count timeouts (unfinished in 10 s) and non-2xx answers."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=seconds + 60)
    data = json.loads(re.search(r"JSON(\{.*\})", done.stdout).group(1))
    return {
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": data["p50"] / 1000,
        "p99_ms": data["p99"] / 1000,
        "errors": sum(data[k] for k in ("connect", "read", "write", "timeout", "non2xx")),
        "requests": data["requests"],
    }


def timed_get(url: str, headers: dict[str, str]) -> dict:
    """Milliseconds and bytes of one GET (the bytes as sent, so gzip shows)."""
    request = urllib.request.Request(url, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            body, status = answer.read(), answer.status
    except urllib.error.HTTPError as exc:
        body, status = b"", exc.code
    return {"ms": round((time.perf_counter() - start) * 1000, 1), "bytes": len(body), "status": status}


def peak_rss_mb(pid: int) -> float:
    """The largest VmHWM of the server process and its children, in MB."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    peaks = []
    for each in pids:
        status = Path(f"/proc/{each}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return round(max(peaks), 1)


def add_viewer(locmap: Path, db_url: str) -> str:
    done = subprocess.run(
        [str(locmap), "user", "add", "bench", "--role", "viewer", "--db", db_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return re.search(r"lm_[A-Za-z0-9_-]+", done.stdout).group(0)


def first_and_second(base: str, slug: str, bearer: dict[str, str]) -> dict:
    """The first (computing) and second (cached) request of each per-revision thing."""
    paths = {
        "locality page": f"/localities/{slug}",
        "map data": f"/localities/{slug}/map.json?view=people",
        "profile chart": f"/api/localities/{slug}/charts/profile.png",
        "download xlsx": f"/api/localities/{slug}/download/xlsx",
        "download gexf": f"/api/localities/{slug}/download/gexf",
        "home": "/",
    }
    gzip = {"Accept-Encoding": "gzip", **bearer}
    return {name: [timed_get(base + path, gzip) for _ in range(2)] for name, path in paths.items()}


class Server:
    """``locmap serve --demo`` from a source tree (``python -m app.cli``), on a free port."""

    def __init__(self, source: Path, db_url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "app.cli", "serve", "--demo", "--no-samples"]
        self.process = subprocess.Popen(
            command + ["--port", str(self.port), "--db", db_url],
            cwd=source,
            env={**os.environ, "PYTHONPATH": str(source)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> Server:
        wait_for(self.base + "/health", timeout=60)
        return self

    def __exit__(self, *_) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run(db: Path, slug: str, seconds: int, connections: int, source: Path) -> dict:
    """Each load in a fresh server (warmed by one request), so no backlog leaks into the next."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "bench.db"
        shutil.copyfile(db, copy)
        db_url = f"sqlite:///{copy}"
        bearer = {"Authorization": f"Bearer {add_viewer(Path(sys.executable).parent / 'locmap', db_url)}"}
        script = Path(folder) / "report.lua"
        script.write_text(LUA)
        with Server(source, db_url) as server:
            cold = first_and_second(server.base, slug, bearer)
        loads = {
            "locality page": (f"/localities/{slug}", {}),
            "audit anonymous": (f"/api/localities/{slug}/audit", {}),
            "audit signed in": (f"/api/localities/{slug}/audit", bearer),
        }
        load, rss = {}, []
        for name, (path, headers) in loads.items():
            with Server(source, db_url) as server:
                timed_get(server.base + path, headers)
                load[name] = wrk(server.base + path, seconds, connections, script, headers)
                rss.append(peak_rss_mb(server.process.pid))
    ratio = load["audit signed in"]["rps"] / max(load["audit anonymous"]["rps"], 1e-9)
    return {
        "slug": slug,
        "seconds": seconds,
        "connections": connections,
        "first_and_second": cold,
        "load": load,
        "signed_in_share": round(ratio, 3),
        "peak_rss_mb": max(rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a SQLite file holding the county")
    parser.add_argument("--slug", default="loc-013", help="the locality to load (the largest)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--source", type=Path, default=ROOT, help="the source tree to serve (a 'before' copy)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    print(json.dumps(run(args.db, args.slug, args.seconds, args.connections, args.source), indent=2))


if __name__ == "__main__":
    main()
