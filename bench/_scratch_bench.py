"""Time analysis.audit.audit per stage on scratch data: medians of several runs.

usage: _scratch_bench.py {medium,county,national} [runs] [--profile]
"""
import gc, resource, statistics, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _scratch_data
from analysis import audit as A
from analysis.graphs import build_graphs
from analysis.settings import DEFAULT_SETTINGS


def one_run():
    times = {}
    t0 = time.perf_counter()
    g = build_graphs(doc)
    times["build_graphs"] = time.perf_counter() - t0
    ctx = A.AuditContext(g, DEFAULT_SETTINGS)
    findings = []
    for check in A.CHECKS:
        t = time.perf_counter()
        findings.extend(check(ctx))
        times[check.__name__] = time.perf_counter() - t
    t = time.perf_counter()
    A.locality_metrics(ctx)
    times["metrics"] = time.perf_counter() - t
    from analysis.profile import collaborative_advantage_profile
    t = time.perf_counter()
    collaborative_advantage_profile(ctx)
    times["profile"] = time.perf_counter() - t
    t = time.perf_counter()
    A.audit(doc)  # the real entry point, end to end
    times["TOTAL audit()"] = time.perf_counter() - t
    return times


if __name__ == "__main__":
    which = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 3
    doc = getattr(_scratch_data, which)()
    print(which, _scratch_data.describe(doc), flush=True)
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if "--profile" in sys.argv:
        import cProfile, pstats
        cProfile.run("A.audit(doc)", "/tmp/audit.prof")
        pstats.Stats("/tmp/audit.prof").sort_stats("cumulative").print_stats(45)
        sys.exit()
    results = []
    for i in range(runs):
        results.append(one_run())
        print(f"run {i}: total {results[-1]['TOTAL audit()']:.2f}s", flush=True)
    for key in results[0]:
        print(f"{key:40s} {statistics.median(r[key] for r in results):8.3f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak/1024:.0f} MB (after loading the document: {base/1024:.0f} MB)")
