"""bench/RESULTS.md from the results of one ``bench.run``: each part's figures, then every target beside its figure."""

from __future__ import annotations

import json

from bench.targets import Check, checks


def fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f} ms"


def header(results: dict) -> list[str]:
    m = results["machine"]
    quick = (
        " A **quick** run (one run each, short loads): a harness check, not figures to quote."
        if results["quick"]
        else ""
    )
    return [
        "# locmap benchmark results",
        "",
        f"Measured {results['when']} with `python -m bench.run`: **one run** of the benchmark, each figure the median"
        f" of {results['repeat']} repetitions within it unless noted (seed {results['seed']}).{quick}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} memory; Python {m['python']} on {m['platform']};"
        f" NetworkX {m['networkx']}, SciPy {m['scipy']}, NumPy {m['numpy']}. Load average"
        f" {m['load_average_at_start'][0]} at the start and {m.get('load_average_at_end', ['?'])[0]} at the end:"
        " a shared machine is noisy, so read ratios and orders of magnitude, and the CPU times beside wall times.",
        "",
        *_remeasured(results),
    ]


def _remeasured(results: dict) -> list[str]:
    """Parts measured again after the run, or added to it (``bench.run --only``), merged in: which, when and why."""
    again, lines = results.get("remeasured"), []
    if again:
        parts = ", ".join(f"`{p}`" for p in again["parts"])
        lines += [
            f"The parts {parts} were measured again {again['when']} ({again['why']}); their figures are from then.",
            "",
        ]
    added = results.get("added")
    if added:
        parts = ", ".join(f"`{p}`" for p in added["parts"])
        lines += [f"The part {parts} was added {added['when']} ({added['why']}).", ""]
    return lines


def startup_section(r: dict) -> list[str]:
    rows = [("`python -c pass`", r["python_pass"]), ("`locmap --version`", r["version"])]
    rows.append(("`locmap audit sample_localities/thame.yaml --json`", r["audit_sample"]))
    lines = ["## Start-up (whole processes)", "", "| process | wall | CPU |", "| --- | ---: | ---: |"]
    lines += [f"| {label} | {fmt_s(x['median'])} | {fmt_s(x['cpu_median'])} |" for label, x in rows]
    return lines + [""]


def commands_section(r: dict) -> list[str]:
    rows = [
        (f"`locmap audit {r['locality']}.json --json`, exact betweenness", r["audit_command"]),
        (f"`python bench/naive_audit.py {r['locality']}.json` (NetworkX, exact)", r["naive_script"]),
        (f"`locmap compare` of the county's {r['localities']} files, exact", r["compare_command"]),
        (f"`python -c 'json.load each file'`, the same {r['localities']} files", r["json_parse"]),
    ]
    lines = [
        "## Whole command against whole script",
        "",
        f"The largest synthetic county locality ({r['locality']}, by seats) and the whole county; each a fresh process.",
        "",
        "| process | wall | CPU |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {fmt_s(x['median'])} | {fmt_s(x['cpu_median'])} |" for label, x in rows]
    return lines + [""] + anatomy_lines(r)


#: The stages of bench.anatomy, in the order a command meets them, with what each is.
ANATOMY_STAGES = (
    ("libraries", "import the libraries every audit command needs: numpy, pydantic, typer, igraph"),
    ("locmap_modules", "import locmap's modules for `audit`: its models, analyses, command line"),
    ("read", "read and validate the file"),
    ("audit", "audit it, exact betweenness"),
    ("print", "write the audit as JSON"),
)


def _cold(stages: dict, key: str) -> float:
    """A stage's time in a fresh process: imports are timed once, the later stages cold and warm."""
    return stages.get(key, stages.get(f"{key}_cold", 0.0))


def anatomy_lines(r: dict) -> list[str]:
    """Where the whole command's time goes (``bench.anatomy``), cold as the command meets it and warm."""
    if "anatomy" not in r:
        return []
    stages = r["anatomy"]
    lines = [
        f"Where `locmap audit {r['locality']}.json --json` spends its time: one fresh process does the command's"
        " stages with the command's own functions, each once as the command does (cold), then again (warm);"
        f" medians of {len(r['audit_command']['times'])} processes.  The interpreter's own start is `python -c pass`.",
        "",
        "| stage | cold | warm |",
        "| --- | ---: | ---: |",
        f"| start the interpreter (`python -c pass`) | {fmt_s(r['python_start']['median'])} | |",
    ]
    for key, label in ANATOMY_STAGES:
        warm = stages.get(f"{key}_warm")
        lines.append(f"| {label} | {fmt_s(_cold(stages, key))} | {fmt_s(warm) if warm is not None else ''} |")
    together = r["python_start"]["median"] + sum(_cold(stages, key) for key, _ in ANATOMY_STAGES)
    lines += [
        f"| the stages together | {fmt_s(together)} | |",
        f"| the whole command, as timed above | {fmt_s(r['audit_command']['median'])} | |",
        "",
        "The stages leave out the parsing of the command's arguments and the interpreter's exit, and run in"
        " processes of their own: the two totals differ by those and by the machine's noise between the runs.",
    ]
    return lines + [""]


def exact_section(r: dict) -> list[str]:
    lines = [
        "## In process against in process, like for like",
        "",
        "Each county locality: locmap's `audit()` of the validated document against `naive_audit()` of the parsed"
        " JSON (`bench/naive_audit.py`), both with exact betweenness; the brokers they name are compared.",
        "",
        "| locality | seats | nodes | locmap audit | NetworkX script | speed-up | locmap betweenness alone | brokers agree |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for x in r["localities"]:
        lines.append(
            f"| {x['locality']} | {x['seats']:,} | {x['nodes']:,} | {fmt_s(x['audit_s'])} | {fmt_s(x['naive_s'])} |"
            f" {x['naive_s'] / x['audit_s']:.1f}x | {fmt_s(x['betweenness_s'])} | {'yes' if x['brokers_agree'] else '**no**'} |"
        )
    s = r["sampled_county"]
    lines += [
        "",
        f"Median speed-up {r['median_speedup']:.1f}x, smallest {r['smallest_speedup']:.1f}x.",
        "",
        f"The whole county as one document ({s['nodes']:,} nodes), where locmap estimates betweenness: both sides"
        f" sample the same {s['sources']} sources (NetworkX on the same integer graph, same seed). locmap's brokers"
        f" {fmt_s(s['locmap_s'])}, `networkx.betweenness_centrality(k={s['sources']})` {fmt_s(s['nx_s'])}"
        f" ({s['nx_s'] / s['locmap_s']:.0f}x; NetworkX timed once); largest difference in any person's score"
        f" {s['largest_difference']:.1e}.",
        "",
    ]
    return lines


def scales_section(scales: dict) -> list[str]:
    names = list(scales)
    lines = ["## Each step at each scale", "", "| step (peak memory) | " + " | ".join(names) + " |"]
    lines.append("| --- |" + " ---: |" * len(names))
    labels = {
        "load": "load and validate",
        "import": "import into SQLite",
        "audit": "full audit, everything as one document",
        "audit_each": "every locality audited separately",
        "compare": "compare all localities",
        "map": "map of everything (people view), written",
    }
    for step, label in labels.items():
        cells = [
            f"{fmt_s(r[step]['median'])} ({r[step]['peak_mb']:,.0f} MB)" if step in r else "–" for r in scales.values()
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    kernel = [r["kernels"] for r in scales.values()]
    lines.append("| kernel: `B.T @ B` | " + " | ".join(fmt_s(k["bt_b"]["median"]) for k in kernel) + " |")
    lines.append("| locmap: overlap detection | " + " | ".join(fmt_s(k["overlap"]["median"]) for k in kernel) + " |")
    sizes = [r["audit"]["sizes"] for r in scales.values()]
    lines.append(
        "| sizes (groups / people / seats) | "
        + " | ".join(f"{s['groups']:,} / {s['people']:,} / {s['memberships']:,}" for s in sizes)
        + " |"
    )
    return lines + [""]


def load_section(r: dict) -> list[str]:
    lines = [
        f"## The cached audit under load (wrk, {r['seconds']} s per run, one worker)",
        "",
        "| endpoint | clients | requests/s | p50 | p95 | p99 | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in r["results"].items():
        lines += [
            f"| {name} | {x['connections']} | {x['rps']:,.0f} | {fmt_ms(x['p50_ms'])} | {fmt_ms(x['p95_ms'])}"
            f" | {fmt_ms(x['p99_ms'])} | {x['errors']} |"
            for x in runs
        ]
    return lines + [""]


#: What each mixed run's PATCHes change, in words.
EDIT_WORDS = {
    "venue": "each PATCH changes a group's venue: a descriptive change, which leaves the audit, page and map standing",
    "hours": "each PATCH changes a group's venue and the length of its meetings: the audit changes with every write",
}


def mixed_section(r: dict) -> list[str]:
    runs = [r] if "rps" in r else list(r.values())  # one run (older results) or one per kind of edit
    return [line for run in runs for line in _mixed_run(run)]


def _mixed_run(r: dict) -> list[str]:
    edit = r.get("edit", "venue")
    return [
        f"## Mixed read/write load ({r['locality']}, `locmap serve --workers {r['workers']}`, {r['connections']}"
        f" connections, {r['seconds']} s, {r['write_share']:.0%} writes, edits of `{edit}`)",
        "",
        EDIT_WORDS.get(edit, edit).capitalize() + ".",
        "",
        "| requests/s | GETs | PATCHes | GET p50 / p95 / p99 | PATCH p50 / p95 | non-2xx | socket errors | later than 10 s | unfinished |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {r['rps']:,.0f} | {r['gets']:,} | {r['patches']:,} | {fmt_ms(r['get_p50_ms'])} / {fmt_ms(r['get_p95_ms'])}"
        f" / {fmt_ms(r['get_p99_ms'])} | {fmt_ms(r['patch_p50_ms'])} / {fmt_ms(r['patch_p95_ms'])} | {r['non2xx']}"
        f" | {r['socket_errors']} | {r['late']} | {r['unfinished']} |",
        "",
        f"Statuses: {json.dumps(r['statuses'])}. {r['cut_off_at_end']} requests were in flight when the run ended,"
        " younger than the 10 s timeout: cut off by the end, not counted as errors.",
        "",
        f"Two editors per group: {r.get('conflicts_told', 0)} PATCHes were told of the other's change (412) and read"
        f" the group again; of {r.get('acknowledged_writes', 0)} acknowledged writes, {r.get('lost_writes', '?')}"
        f" were lost and {r.get('silent_overwrites', '?')} overwrote a change their editor had not seen.",
        "",
    ]


def edits_section(r: dict) -> list[str]:
    sizes = [k for k, v in r.items() if isinstance(v, dict) and "seats" in v]
    lines = [
        f"## Edits at three locality sizes (in process, file-backed SQLite, {r.get('path', '?')} path)",
        "",
        "| locality | seats | PATCH a group's `meets` | add a member |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in sizes:
        x = r[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {x['seats']:,} | {fmt_ms(x['patch_group']['median_ms'])}"
            f" | {fmt_ms(x['add_member']['median_ms'])} |"
        )
    return lines + [""]


def census_section(r: dict) -> list[str]:
    """The member census at three sizes (``bench/census.py``), with synthetic answers from 70% of those asked."""
    lines = [
        "## The member census at three locality sizes (in process, file-backed SQLite, synthetic answers)",
        "",
        "| locality | seats | asked | answered | open | respondent's page | save answers | close | summary"
        " | audit | audit with census | corrections |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, x in r.items():
        lines.append(
            f"| {name.replace('_', ' ')} | {x['seats']:,} | {x['invited']:,} | {x['answers']:,}"
            f" | {fmt_ms(x['open_ms'])} | {fmt_ms(x['respondent_page_ms'])} | {fmt_ms(x['save_answers_ms'])}"
            f" | {fmt_ms(x['close_ms'])} | {fmt_ms(x['summary_ms'])} | {fmt_ms(x['audit_ms'])}"
            f" | {fmt_ms(x['audit_with_census_ms'])} | {fmt_ms(x['corrections_ms'])} |"
        )
    lines += [
        "",
        "A respondent's page and their save read only their link, their ballot and the names of the groups, so"
        " they stay within a few milliseconds at every size; opening, closing, the summary and the corrections grow"
        " with the people asked. The audit with a census is the same audit plus its four checks and two rows.",
        "",
    ]
    return lines


def pages_section(r: dict) -> list[str]:
    lines = [
        f"## Pages of {r['slug']} (`bench/pages.py`: a fresh `locmap serve --demo` per load)",
        "",
        "| request | first (computes) | second (cached) | bytes sent (gzip) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, (first, second) in r["first_and_second"].items():
        lines.append(f"| {name} | {fmt_ms(first['ms'])} | {fmt_ms(second['ms'])} | {second['bytes']:,} |")
    lines += [
        "",
        f"wrk, {r['connections']} connections, {r['seconds']} s each; peak server memory {r['peak_rss_mb']:,.0f} MB.",
        "",
        "| load | requests/s | p50 | p99 | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, x in r["load"].items():
        lines.append(f"| {name} | {x['rps']:,.0f} | {fmt_ms(x['p50_ms'])} | {fmt_ms(x['p99_ms'])} | {x['errors']} |")
    return lines + [""]


def other_section(name: str, r: dict) -> list[str]:
    """A part measured by another module, shown as its JSON."""
    return [f"## {name.capitalize()}", "", "```json", json.dumps(r, indent=2), "```", ""]


SECTIONS = {
    "startup": startup_section,
    "commands": commands_section,
    "exact": exact_section,
    "scales": scales_section,
    "load": load_section,
    "mixed": mixed_section,
    "edits": edits_section,
    "pages": pages_section,
    "census": census_section,
}


def targets_section(found: list[Check]) -> list[str]:
    lines = ["## Targets", "", "| target | measured | | why missed |", "| --- | --- | --- | --- |"]
    for c in found:
        lines.append(f"| {c.label} | {c.measured} | {'met' if c.ok else '**missed**'} | {'' if c.ok else c.why} |")
    return lines + [""]


def report(results: dict) -> str:
    """The Markdown of a run."""
    lines = header(results)
    for name, part in results["parts"].items():
        section = SECTIONS.get(name)
        lines += section(part) if section else other_section(name, part)
    lines += targets_section(checks(results))
    took = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results.get("seconds", {}).items())
    lines += [f"Time per part in this run: {took}.", ""]
    lines += [NOTES]
    return "\n".join(lines) + "\n"


NOTES = """## Notes

- Synthetic data: `locmap synth --scale SCALE --seed 1` (`app/synth.py` says how it is made and which defects are planted).
- Like for like: every comparison with NetworkX computes exact betweenness on both sides, or samples the same sources
  on both sides; nothing is extrapolated. `bench/naive_audit.py` validates nothing and raises no findings, so it does
  less work than `locmap audit`: the comparison flatters it.
- Each timed audit counts its betweenness afresh: the scores an audit remembers by graph
  (`analysis.centrality.recent_betweenness`) are forgotten before every repetition. In the mixed load with hours
  edits, which leave who sits where alone, the server's audits do reuse them, as they would for its users.
- "Why missed" gives the run's own figures around a miss; causes found by profiling belong in the text above it.
- Wall times are medians of fresh processes or calls; CPU times (user + system) move less on a shared machine.
- Unfinished requests (still waiting past the 10 s timeout when a load ends) and answers later than the timeout count
  as errors; requests cut off by the end of a run before their timeout do not.
"""
