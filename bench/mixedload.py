"""A mixed read/write load: 95% GETs of the locality page and its audit, 5% PATCHes by an editor.

``python -m bench.mixedload LOCALITY.json [SECONDS] [venue|hours]`` prints one JSON object.

The largest county locality is imported into a fresh SQLite file, an editor
is made for it (``locmap user add``) and ``locmap serve --demo --workers 2``
answers on 127.0.0.1.  wrk runs one connection per thread (50 of each), so
in each thread's Lua state a request and its response strictly alternate
and the script times each request by kind.  Every 20th request of a thread
is a PATCH of the group field ``venue`` (and, with ``hours``, of its meetings'
length too) of a group it shares with one other
thread, with the editor's Bearer token and ``If-Match`` with the group's
ETag as that thread last saw it; the others alternate page and audit,
accepting gzip as a browser does.  Two editors of one group collide: the
loser must be told (412 Precondition Failed), reads the group again and
carries on.

Errors are non-2xx answers other than those 412s, socket errors, answers
later than the timeout and *unfinished* requests: those still waiting at
the end of the run that had already waited longer than the timeout.
Requests cut off by the end of the run before their timeout are counted
apart, not as errors.  After the run every group is read back: a *lost
write* is a group whose venue is not the one its last acknowledged PATCH
wrote; a *silent overwrite* is an acknowledged PATCH whose ``If-Match`` was
not the ETag the group's previous acknowledged PATCH gave (a change made
without seeing the one before it).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.loadtest import free_port, wait_for

LOCMAP = str(Path(sys.executable).parent / "locmap")
TIMEOUT_S = 10
CONNECTIONS = 50
WRITE_EVERY = 20

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
function now_us()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local threads = {}

function json_string(text)
  return '"' .. string.gsub(text, '[\\"]', '\\%0') .. '"'
end
local BROWSER = {["Accept-Encoding"] = "gzip, deflate"}  -- as every browser sends
local made = 0

function setup(thread)
  made = made + 1
  thread:set("index", made)
  table.insert(threads, thread)
end

function init(args)
  sent, received, failed, n, started, pending = 0, 0, 0, 0, 0, nil
  lat_get, lat_patch, statuses, acks = {}, {}, {}, {}
  group = GROUPS[(math.floor((index - 1) / 2) % #GROUPS) + 1]  -- two writers per group
  etag, sent_match, sent_venue, conflicts = nil, nil, nil, 0
end

function request()
  n = n + 1
  local req
  if n == 1 or etag == nil then
    pending = "prime"  -- read this thread's group, for its ETag (at the start and after a conflict)
    req = wrk.format("GET", GROUP_API .. group, {["Authorization"] = "Bearer " .. TOKEN})
  elseif (n + index) % WRITE_EVERY == 0 then
    pending = "patch"
    local headers = {["Authorization"] = "Bearer " .. TOKEN, ["Content-Type"] = "application/json"}
    headers["If-Match"] = etag
    sent_match, sent_venue = etag, string.format("Room %d-%d", index, n)
    local body = string.format('{"venue": "%s"}', sent_venue)
    if ANALYSED then  -- a change the audit sees too: the length of the group's meetings
      body = string.format('{"venue": "%s", "hours": %d}', sent_venue, n % 3 + 1)
    end
    req = wrk.format("PATCH", GROUP_API .. group, headers, body)
  elseif n % 2 == 0 then
    pending = "get"
    req = wrk.format("GET", PAGE, BROWSER)
  else
    pending = "get"
    req = wrk.format("GET", AUDIT, BROWSER)
  end
  sent = sent + 1
  started = now_us()
  return req
end

function response(status, headers, body)
  local elapsed = now_us() - started
  received = received + 1
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  local tag = headers["etag"] or headers["ETag"] or headers["Etag"]
  if pending == "patch" and status == 412 then
    conflicts, etag = conflicts + 1, nil  -- told of the other editor's change: read the group again
  elseif status < 200 or status > 299 then
    failed = failed + 1
  elseif pending == "patch" then
    table.insert(acks, string.format('[%d,%s,%s,%s]', now_us(), json_string(sent_match),
      json_string(tag or ""), json_string(sent_venue)))
    etag = tag
  elseif pending == "prime" then
    etag = tag
  end
  if pending == "get" then table.insert(lat_get, elapsed) end
  if pending == "patch" then table.insert(lat_patch, elapsed) end
  pending = nil
end

function done(summary, latency, requests)
  local out = io.open(OUT, "w")
  local now = now_us()
  out:write(string.format('{"connect":%d,"read":%d,"write":%d,"wrk_timeout":%d,"duration_us":%d,"threads":[',
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.duration))
  for i, t in ipairs(threads) do
    local waited = 0
    if t:get("pending") then waited = now - t:get("started") end
    local parts = {}
    for code, count in pairs(t:get("statuses")) do table.insert(parts, string.format('"%s":%d', code, count)) end
    out:write(string.format('%s{"sent":%d,"received":%d,"failed":%d,"pending_us":%d,"statuses":{%s},"get":[%s],"patch":[%s],'
      .. '"group":%s,"conflicts":%d,"acks":[%s],"in_flight_venue":%s}',
      i > 1 and "," or "", t:get("sent"), t:get("received"), t:get("failed"), waited, table.concat(parts, ","),
      table.concat(t:get("lat_get"), ","), table.concat(t:get("lat_patch"), ","),
      json_string(t:get("group")), t:get("conflicts"), table.concat(t:get("acks"), ","),
      t:get("pending") == "patch" and json_string(t:get("sent_venue")) or "null"))
  end
  out:write("]}\n")
  out:close()
end
"""


def read_wrk_output(path: Path) -> dict:
    """The Lua script's JSON; a copy is kept beside the benchmark's cache, and the bad bytes named, if it is garbled."""
    data = path.read_bytes()
    try:
        return json.loads(data.decode())
    except UnicodeDecodeError as exc:
        kept = Path(tempfile.gettempdir()) / "locmap-mixed-garbled.json"
        kept.write_bytes(data)
        around = data[max(0, exc.start - 120) : exc.end + 120]
        raise RuntimeError(f"wrk's output is not UTF-8 at byte {exc.start} (kept in {kept}): {around!r}") from None


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0..100) of ``values``, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share / 100 * len(ordered) + 0.5) - 1))]


def lua_config(slug: str, token: str, groups: list[str], out: Path, analysed: bool = False) -> str:
    """The Lua globals that tell the script what to ask for."""
    quoted = ", ".join(json.dumps(g) for g in groups)
    return (
        f"TOKEN = {json.dumps(token)}\nGROUPS = {{{quoted}}}\nWRITE_EVERY = {WRITE_EVERY}\n"
        f"ANALYSED = {'true' if analysed else 'false'}\n"
        f'GROUP_API = "/api/localities/{slug}/groups/"\nPAGE = "/localities/{slug}"\n'
        f'AUDIT = "/api/localities/{slug}/audit"\nOUT = {json.dumps(str(out))}\n'
    )


def prepare(locality: Path, folder: Path) -> tuple[str, str, str, list[str]]:
    """Import the locality into a fresh database and make its editor: (url, slug, token, group ids)."""
    url = f"sqlite:///{folder / 'mixed.db'}"
    data = json.loads(locality.read_text(encoding="utf-8"))
    slug = data["locality"]["id"]
    subprocess.run([LOCMAP, "import", str(locality), "--db", url], check=True, capture_output=True)
    made = subprocess.run(
        [LOCMAP, "user", "add", "bench-editor", "--role", "editor", "--locality", slug, "--db", url],
        check=True,
        capture_output=True,
        text=True,
    )
    token = re.search(r"\b(lm_[A-Za-z0-9_\-]+)", made.stdout + made.stderr)
    if token is None:
        raise RuntimeError(f"no token in `locmap user add` output: {made.stdout!r}")
    groups = [g["id"] for g in data["groups"] if not g.get("external")][: CONNECTIONS // 2]
    return url, slug, token.group(1), groups


def read_groups(base: str, slug: str, token: str, groups: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """Each group's (ETag, venue) as the API gives them now."""
    found = {}
    for group in dict.fromkeys(groups):
        request = urllib.request.Request(f"{base}/api/localities/{slug}/groups/{group}")
        request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as answer:
            found[group] = (answer.headers.get("ETag"), json.loads(answer.read())["venue"])
    return found


def check_writes(threads: list[dict], before: dict, after: dict) -> dict:
    """Lost writes and silent overwrites, group by group, from every thread's acknowledged PATCHes.

    Acknowledged PATCHes of one group are ordered by when their answers
    arrived (one monotonic clock for every thread); each must have been made
    against the ETag the previous one gave (the first, against the group as
    it was before the run), and the group must end with the last one's venue
    (or with that of a PATCH still unanswered when the run ended).
    """
    acks: dict[str, list] = {}
    cut_off: dict[str, set] = {}  # PATCHes still unanswered when the run ended: they may have been applied
    for t in threads:
        acks.setdefault(t["group"], []).extend(t["acks"])
        cut_off.setdefault(t["group"], set()).add(t.get("in_flight_venue"))
    lost = silent = 0
    for group, made in acks.items():
        made.sort()
        expected = before[group][0]
        for _, sent_match, new_tag, _ in made:
            silent += sent_match != expected
            expected = new_tag
        final = after[group][1]
        lost += bool(made) and final != made[-1][3] and final not in cut_off[group]
    return {"acknowledged_writes": sum(len(m) for m in acks.values()), "lost_writes": lost, "silent_overwrites": silent}


def summarise(raw: dict, seconds: int) -> dict:
    """Rates, percentiles and every kind of error from the Lua script's output."""
    threads = raw["threads"]
    gets = [v / 1000 for t in threads for v in t["get"]]
    patches = [v / 1000 for t in threads for v in t["patch"]]
    late = sum(1 for v in gets + patches if v > TIMEOUT_S * 1000)
    unfinished = sum(1 for t in threads if t["pending_us"] > TIMEOUT_S * 1e6)
    cut_off = sum(1 for t in threads if 0 < t["pending_us"] <= TIMEOUT_S * 1e6)
    statuses: dict[str, int] = {}
    for t in threads:
        for code, count in t["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    non2xx = sum(t["failed"] for t in threads)
    sockets = raw["connect"] + raw["read"] + raw["write"]
    received = sum(t["received"] for t in threads)
    return {
        "seconds": seconds,
        "connections": CONNECTIONS,
        "rps": round(received / (raw["duration_us"] / 1e6), 1),
        "gets": len(gets),
        "patches": len(patches),
        "get_p50_ms": percentile(gets, 50),
        "get_p95_ms": percentile(gets, 95),
        "get_p99_ms": percentile(gets, 99),
        "patch_p50_ms": percentile(patches, 50),
        "patch_p95_ms": percentile(patches, 95),
        "patch_median_ms": statistics.median(patches) if patches else None,
        "statuses": statuses,
        "non2xx": non2xx,
        "socket_errors": sockets,
        "late": late,
        "unfinished": unfinished,
        "cut_off_at_end": cut_off,
        "wrk_timeout_count": raw["wrk_timeout"],
        "conflicts_told": sum(t["conflicts"] for t in threads),
        "errors": non2xx + sockets + late + unfinished,
    }


def run(locality: Path, seconds: int = 60, workers: int = 2, edit: str = "venue") -> dict:
    """Serve ``locality`` and drive the mixed load at it for ``seconds``.

    ``edit`` is what each PATCH changes: ``venue`` alone (a descriptive change,
    which leaves the audit, page and map standing) or ``hours`` as well (the
    length of the group's meetings: the audit's meeting load changes, so every
    write makes the page and the audit be computed again).
    """
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url, slug, token, groups = prepare(locality, folder)
        port = free_port()
        service = subprocess.Popen(
            [LOCMAP, "serve", "--demo", "--no-samples", "--workers", str(workers), "--port", str(port), "--db", url],
            env={**os.environ, "LOCMAP_DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/health", timeout=60)
            for path in (f"/localities/{slug}", f"/api/localities/{slug}/audit"):
                wait_for(base + path, timeout=120)  # warm each path once: the load measures the steady state
            before = read_groups(base, slug, token, groups)
            out = folder / "mixed.json"
            script = folder / "mixed.lua"
            script.write_text(lua_config(slug, token, groups, out, analysed=edit == "hours") + LUA)
            subprocess.run(
                ["wrk", f"-t{CONNECTIONS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", f"{TIMEOUT_S}s"]
                + ["-s", str(script), base],
                check=True,
                capture_output=True,
                timeout=seconds + 120,
            )
            raw = read_wrk_output(out)
            result = summarise(raw, seconds)
            result.update(check_writes(raw["threads"], before, read_groups(base, slug, token, groups)))
        finally:
            service.terminate()
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
    result.update(locality=slug, workers=workers, write_share=1 / WRITE_EVERY, edit=edit)
    return result


if __name__ == "__main__":
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    print(json.dumps(run(Path(sys.argv[1]), seconds, edit=sys.argv[3] if len(sys.argv) > 3 else "venue")))
