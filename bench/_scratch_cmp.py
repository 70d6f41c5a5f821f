"""Compare two dumps of audits; profile.user_involvement evidence compared as multisets of names."""
import json, re, sys
from collections import Counter
from pathlib import Path
a, b = Path(sys.argv[1]), Path(sys.argv[2])
bad = 0
for f in sorted(a.glob("*.json")):
    x, y = json.loads(f.read_text()), json.loads((b / f.name).read_text())
    ex, ey = x["profile"]["user_involvement"]["evidence"], y["profile"]["user_involvement"]["evidence"]
    x["profile"]["user_involvement"]["evidence"] = y["profile"]["user_involvement"]["evidence"] = None
    names = lambda e: Counter(e[e.find("('") + 2:e.rfind("')")].split("', '")) if "('" in e else Counter()  # noqa: E731
    ok = x == y and names(ex) == names(ey) and re.sub(r"\('.*'\)", "", ex) == re.sub(r"\('.*'\)", "", ey)
    if not ok:
        bad += 1
        for key in x:
            if x[key] != y[key]:
                print(f.name, "differs in", key)
                if key == "metrics":
                    print({k: (x[key][k], y[key].get(k)) for k in x[key] if x[key][k] != y[key].get(k)})
    print(("same " if ok else "DIFF ") + f.name)
sys.exit(bad)
