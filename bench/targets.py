"""Issue 14's targets, each checked against its figure with what the run says about a miss."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Check(NamedTuple):
    label: str
    measured: str
    ok: bool
    why: str = ""


def _startup(r: dict) -> list[Check]:
    version = r["version"]["median"] / r["python_pass"]["median"]
    audit = r["audit_sample"]["median"]
    return [
        Check(
            "`locmap --version` within 10x of `python -c pass`",
            f"{version:.1f}x",
            version <= 10,
            f"CPU {r['version']['cpu_median'] * 1000:.0f} ms against {r['python_pass']['cpu_median'] * 1000:.0f} ms:"
            " imports at start-up (`python -X importtime -m app.cli --version` names them)",
        ),
        Check(
            "`locmap audit thame.yaml --json` under 0.8 s, whole process",
            f"{audit:.2f} s (CPU {r['audit_sample']['cpu_median']:.2f} s)",
            audit < 0.8,
            f"`locmap --version` alone takes {r['version']['median']:.2f} s; the rest is loading, validation and the audit",
        ),
    ]


def _commands(r: dict) -> list[Check]:
    speedup = r["naive_script"]["median"] / r["audit_command"]["median"]
    compare = r["compare_command"]["median"] / r["json_parse"]["median"]
    return [
        Check(
            f"largest county locality ({r['locality']}), whole command at least 10x faster than the NetworkX script, both exact",
            f"{speedup:.1f}x (CPU {r['naive_script']['cpu_median'] / r['audit_command']['cpu_median']:.1f}x)",
            speedup >= 10,
            f"locmap's process {r['audit_command']['median']:.2f} s wall, {r['audit_command']['cpu_median']:.2f} s CPU;"
            f"{_floor_words(r)} the script validates nothing",
        ),
        Check(
            f"`locmap compare` of the county ({r['localities']} files) within 15x of a bare JSON parse",
            f"{compare:.1f}x",
            compare <= 15,
            f"{r['compare_command']['median']:.2f} s against {r['json_parse']['median']:.2f} s: compare's start-up"
            f" ({r['audit_command']['median']:.2f} s for one audit process, {_floor_s(r)} of it imports) and, on two"
            " cores, validating and auditing nine localities each (the in-process table above)",
        ),
    ]


def _libraries_s(r: dict) -> float:
    """Seconds to start Python and import the libraries every audit command needs (bench.anatomy)."""
    return r["python_start"]["median"] + r["anatomy"]["libraries"]


def _floor_s(r: dict) -> str:
    if "anatomy" not in r:
        return "most"
    return f"{_libraries_s(r) + r['anatomy']['locmap_modules']:.2f} s"


def _floor_words(r: dict) -> str:
    """What the libraries leave possible, and how much of the command is locmap's own (from bench.anatomy)."""
    if "anatomy" not in r:
        return ""
    stages, script = r["anatomy"], r["naive_script"]["median"]
    libraries = _libraries_s(r)
    own = stages["locmap_modules"] + stages["read_cold"] + stages["audit_cold"] + stages["print_cold"]
    return (
        f" starting Python and importing numpy, pydantic, typer and igraph take {libraries:.2f} s of it, so no"
        f" command that loads them can be more than {script / libraries:.1f}x faster than the script; 10x needs"
        f" the whole process within {script / 10:.2f} s, which leaves {script / 10 - libraries:.2f} s for locmap's"
        f" own part: it takes {own:.2f} s (its modules {stages['locmap_modules']:.2f} s, reading and validating"
        f" {stages['read_cold']:.2f} s, the audit {stages['audit_cold']:.2f} s: the table of stages above);"
    )


def _exact(r: dict) -> list[Check]:
    agree = all(x["brokers_agree"] for x in r["localities"])
    gap = r["sampled_county"]["largest_difference"]
    return [
        Check(
            "exact brokers agree with NetworkX on every locality",
            "yes" if agree else "no",
            agree,
            "a bug: see RESULTS.json",
        ),
        Check("sampled betweenness equals NetworkX's with the same sources", f"{gap:.1e}", gap < 1e-9, "a bug"),
    ]


def _scales(scales: dict) -> list[Check]:
    out = []
    if "county" in scales:
        c = scales["county"]
        out.append(
            Check(
                "county full audit (one document) ≤ 1.5 s",
                f"{c['audit']['median']:.2f} s",
                c["audit"]["median"] <= 1.5,
                "see each analysis in RESULTS.json",
            )
        )
        if "map" in c:
            out.append(
                Check(
                    "map of a county written ≤ 5 s",
                    f"{c['map']['median']:.2f} s",
                    c["map"]["median"] <= 5,
                    "layout of ~12,000 nodes",
                )
            )
    if "national" in scales:
        n = scales["national"]
        out.append(Check("national full audit ≤ 20 s", f"{n['audit']['median']:.2f} s", n["audit"]["median"] <= 20, ""))
        out.append(
            Check("national peak memory ≤ 4 GB", f"{n['audit']['peak_mb']:,.0f} MB", n["audit"]["peak_mb"] <= 4096, "")
        )
    for scale, r in scales.items():
        ratio = r["kernels"]["overlap"]["median"] / r["kernels"]["bt_b"]["median"]
        out.append(
            Check(
                f"overlap detection within 5x of `B.T @ B` ({scale})",
                f"{ratio:.1f}x",
                ratio <= 5,
                "fixed costs dominate at small sizes",
            )
        )
    return out


def _load(r: dict) -> list[Check]:
    runs = r["results"]
    cached = next(x for x in runs["cached audit"] if x["connections"] == 50)
    bare = next(x for x in runs["bare constant"] if x["connections"] == 50)
    errors = sum(x["errors"] for xs in runs.values() for x in xs)
    return [
        Check(
            "cached audit ≥ half the requests/s of a bare endpoint (50 clients)",
            f"{cached['rps'] / bare['rps']:.2f}",
            cached["rps"] >= bare["rps"] / 2,
            f"{cached['rps']:,.0f} against {bare['rps']:,.0f} req/s; wrk shares the 2 cores",
        ),
        Check("zero errors under the cached-audit load", str(errors), errors == 0, "see error kinds in RESULTS.json"),
        Check(
            "uncached audit of a sample over HTTP ≤ 200 ms",
            f"{r['uncached_audit_http_ms']:.0f} ms",
            r["uncached_audit_http_ms"] <= 200,
            "first request of each sample",
        ),
    ]


def _pages(r: dict) -> list[Check]:
    page = r["load"]["locality page"]
    return [
        Check(
            "locality page of the largest county locality ≥ 200 req/s at 50 connections",
            f"{page['rps']:,.0f} req/s",
            page["rps"] >= 200,
            f"p50 {page['p50_ms']:,.0f} ms; first request {r['first_and_second']['locality page'][0]['ms']:,.0f} ms",
        ),
        Check(
            "locality page p99 under 500 ms",
            f"{page['p99_ms']:,.0f} ms",
            page["p99_ms"] < 500,
            f"p50 {page['p50_ms']:,.0f} ms at {page['rps']:,.0f} req/s",
        ),
        Check(
            "signed-in cached audit ≥ 75% of the anonymous rate",
            f"{r['signed_in_share']:.0%}",
            r["signed_in_share"] >= 0.75,
            f"signed in {r['load']['audit signed in']['rps']:,.0f} req/s,"
            f" anonymous {r['load']['audit anonymous']['rps']:,.0f}",
        ),
        Check(
            "server peak memory under the page load < 500 MB",
            f"{r['peak_rss_mb']:,.0f} MB",
            r["peak_rss_mb"] < 500,
            "see RESULTS.json",
        ),
    ]


def _mixed(r: dict) -> list[Check]:
    runs = [r] if "rps" in r else list(r.values())
    return [check for run in runs for check in _mixed_run(run)]


def _mixed_run(r: dict) -> list[Check]:
    get95, patch95 = r["get_p95_ms"] or 0, r["patch_p95_ms"] or 0
    edit = f" (edits of `{r['edit']}`)" if "edit" in r else ""
    return [check._replace(label=check.label + edit) for check in _mixed_checks(r, get95, patch95)]


def _mixed_checks(r: dict, get95: float, patch95: float) -> list[Check]:
    return [
        Check(
            "mixed load: GET p95 under 100 ms",
            f"{get95:,.0f} ms",
            get95 < 100,
            f"GET p50 {r['get_p50_ms'] or 0:,.0f} ms at {r['rps']:,.0f} req/s, {r['patches']} PATCHes"
            + (
                "; every write makes a new analysed revision, whose page and audit both workers compute again"
                " in the background on the cores wrk and the GETs share"
                if r.get("edit") == "hours"
                else ""
            ),
        ),
        Check(
            "mixed load: PATCH p95 under 200 ms",
            f"{patch95:,.0f} ms",
            patch95 < 200,
            f"PATCH p50 {r['patch_p50_ms'] or 0:,.0f} ms over {r['patches']} PATCHes: "
            + (
                "every write makes a new analysed revision, whose page and audit both workers compute again on"
                " the cores the writes, the GETs and wrk share, so each write's turn at SQLite's one writer"
                " (one UPDATE of the locality row, the entry's two reads, its UPDATE, its history entry, the"
                " commit) stretches with the CPU it is left"
                if r.get("edit") == "hours"
                else "the writes queue for SQLite's one writer; each turn (one UPDATE of the locality row, the"
                " entry's two reads, its UPDATE, its history entry, the commit) takes longer than the gap"
                " between writes once the GETs have the CPU"
            ),
        ),
        Check(
            "mixed load: zero errors",
            f"{r['errors']} (non-2xx {r['non2xx']}, socket {r['socket_errors']}, late {r['late']})",
            r["errors"] == 0,
            f"statuses {r['statuses']}",
        ),
        Check(
            "mixed load: zero unfinished requests",
            str(r["unfinished"]),
            r["unfinished"] == 0,
            "requests still waiting after 10 s",
        ),
        Check(
            "mixed load: zero lost acknowledged writes",
            str(r.get("lost_writes")),
            r.get("lost_writes") == 0,
            f"{r.get('acknowledged_writes', 0)} acknowledged writes read back",
        ),
        Check(
            "mixed load: zero silent overwrites (conflicts told with 412)",
            str(r.get("silent_overwrites")),
            r.get("silent_overwrites") == 0,
            f"{r.get('conflicts_told', 0)} conflicting PATCHes told",
        ),
    ]


def _edits(r: dict) -> list[Check]:
    out = []
    small, large = r.get("city"), r.get("largest_county_locality")
    if not (small and large):
        return out
    for key, label in (("patch_group", "PATCH a group field"), ("add_member", "add a member")):
        big, base = large[key]["median_ms"], small[key]["median_ms"]
        out.append(
            Check(
                f"{label}: at most 30 ms on the largest county locality",
                f"{big:.1f} ms",
                big <= 30,
                f"{base:.1f} ms on City: a fixed cost per edit (commit, audit-log entry, read back), shared machine"
                if big <= 2 * base
                else f"{base:.1f} ms on City: the cost grows with the locality",
            )
        )
        out.append(
            Check(
                f"{label}: at most 2x its time on a sample locality (City)",
                f"{big / base:.1f}x ({base:.1f} ms on City)",
                big <= 2 * base,
                "the edit's cost grows with the locality",
            )
        )
    return out


def _external(r: dict) -> list[Check]:
    """Targets a part's own module reports as ``targets``: [[label, measured, ok, why?], ...]."""
    return [Check(*t) if len(t) == 4 else Check(*t, "") for t in r.get("targets", [])]


CHECKS: dict[str, Callable[[dict], list[Check]]] = {
    "startup": _startup,
    "commands": _commands,
    "exact": _exact,
    "scales": _scales,
    "load": _load,
    "pages": _pages,
    "mixed": _mixed,
    "edits": _edits,
}


def checks(results: dict) -> list[Check]:
    """Every target the run's parts can check, in the order the parts ran."""
    out: list[Check] = []
    for name, part in results["parts"].items():
        out += CHECKS.get(name, _external)(part)
    return out
