"""Dump audit.as_dict of samples and scratch documents, to compare before/after optimisation."""
import json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch_data import big_document, samples, SLUGS, describe
from models.validation import load_path
from analysis.audit import audit

out = Path(sys.argv[1]); out.mkdir(exist_ok=True, parents=True)
docs = {s: load_path(Path(__file__).resolve().parent.parent / "sample_localities" / f"{s}.yaml") for s in SLUGS}
docs["small12"] = big_document(12, 3, people_factor=1.5, seats_per_group=8.0, county_copies=6)
docs["small30"] = big_document(30, 4, people_factor=1.2, seats_per_group=6.0, county_copies=12, links_per_group=0.3)
docs["medium1"] = big_document(48, 1, people_factor=2.0, seats_per_group=12.0)
docs["medium2"] = big_document(60, 2, people_factor=1.3, seats_per_group=5.0, links_per_group=0.2, county_copies=20)
if len(sys.argv) > 2:
    from _scratch_data import county
    docs["county"] = county()
for name, d in docs.items():
    t = time.perf_counter()
    a = audit(d)
    (out / f"{name}.json").write_text(json.dumps(a.as_dict(), indent=1, sort_keys=True))
    print(name, describe(d), f"{time.perf_counter()-t:.2f}s", len(a.findings), flush=True)
