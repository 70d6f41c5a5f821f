"""How a locmap process collects its garbage.

A command or a server worker builds hundreds of thousands of objects it
keeps (a locality's models, graphs and arrays).  At Python's default
threshold (a collection every 700 new objects), collections traversing them
took a tenth of an audit's time (``bench/RESULTS.md``); collected in larger
batches, they are rare and cycles are still freed.  The older generations
are collected after 50 young collections and 100 of those (Python: 10 and
10), so a full collection comes once per 500 million allocations, about once
a minute in a busy server: its pace follows the allocations that make
garbage.  At Python's ratios a busy server paused for a full collection
about every second (the mixed load served 1,288 requests/s against 1,442,
back to back, on 2026-12-03).
"""

from __future__ import annotations

import gc

#: Young objects allowed before the cyclic garbage collector runs (Python's default is 700).
GC_YOUNG_THRESHOLD = 100_000


def collect_in_batches() -> None:
    """Run the cyclic garbage collector once per :data:`GC_YOUNG_THRESHOLD` new objects, the older generations rarer."""
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 100)
