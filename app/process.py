"""How a locmap process collects its garbage.

A command or a server worker builds hundreds of thousands of objects it
keeps (a locality's models, graphs and arrays).  At Python's default
threshold (a collection every 700 new objects), collections traversing them
took a tenth of an audit's time (``bench/RESULTS.md``); collected in larger
batches, they are rare and cycles are still freed.  Only the young
generation's threshold is raised: the older two keep Python's ratios, so a
long-running server still collects its older generations as often, relative
to its young collections, as Python would.
"""

from __future__ import annotations

import gc

#: Young objects allowed before the cyclic garbage collector runs (Python's default is 700).
GC_YOUNG_THRESHOLD = 100_000


def collect_in_batches() -> None:
    """Run the cyclic garbage collector once per :data:`GC_YOUNG_THRESHOLD` new objects (older ones as Python does)."""
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
