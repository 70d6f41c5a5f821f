"""Edit latency at three locality sizes: PATCH a group's ``meets`` and add a member.

``python -m bench.edits [REPEAT]`` prints one JSON object: for City, the
largest locality of the synthetic county (seed 1) and a county held as one
locality (~40,000 seats), the median and every run time in milliseconds of

- ``patch_group``: what ``PATCH /api/localities/{slug}/groups/{id}`` does
  (the edit, its audit-log entry, the commit, and reading the group back);
- ``add_member``: what ``POST .../groups/{id}/members`` does (the edit, the
  commit, and reading the members back).

It runs in process on a file-backed SQLite database, on whichever code is on
``PYTHONPATH``: the row-level path when :mod:`app.storage.edits` has it, the
whole-document path (as before issue 14) otherwise, so the same script
measures before and after like for like.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def documents():
    import app
    from app.synth import synth, synth_locality
    from models.validation import load_path

    root = Path(app.__file__).resolve().parent.parent  # the code under test, with its samples
    city = load_path(root / "sample_localities" / "city.yaml")
    county = max(synth("county", 1), key=lambda d: sum(len(g.members) for g in d.groups))
    whole = synth_locality("county-as-one", random.Random(1), groups=2000, people=10_000, memberships=40_000)
    return {"city": city, "largest_county_locality": county, "county_as_one_locality": whole}


def edit_functions():
    """(patch, add_member) for the code under test, each as its route does it."""
    from app.storage import edits, store

    if hasattr(edits, "add_seat"):  # the row-level path

        def patch(session, slug, group, meets):
            edits.update(session, slug, "bench", "group", group, {"meets": meets})
            session.commit()
            return store.read_entry(session, slug, "group", group)

        def add(session, slug, group, person):
            edits.add_seat(session, slug, "bench", group, {"person": person})
            session.commit()
            return store.read_group_members(session, slug, group)[1]

    else:  # the whole-document path

        def patch(session, slug, group, meets):
            edits.edit(session, slug, "bench", edits.update_entry("group", group, {"meets": meets}))
            session.commit()
            return edits.entry(store.export_document(session, slug), "group", group)

        def add(session, slug, group, person):
            edits.edit(session, slug, "bench", edits.add_member(group, {"person": person}))
            session.commit()
            return edits.entry(store.export_document(session, slug), "group", group).members

    return patch, add


def measure(document, repeat: int, folder: Path) -> dict:
    from sqlmodel import Session

    from app.storage import store
    from app.storage.db import create_schema, make_engine

    engine = make_engine(f"sqlite:///{folder / (document.locality.id + '.db')}")
    create_schema(engine)
    with Session(engine) as session:
        store.import_document(session, document)
        session.commit()
    patch, add = edit_functions()
    slug = document.locality.id
    group = max(document.groups, key=lambda g: len(g.members))
    seated = {m.person for m in group.members}
    outsiders = [p.id for p in document.people if p.id not in seated][:repeat]
    times: dict[str, list[float]] = {"patch_group": [], "add_member": []}
    for i in range(repeat):
        with Session(engine) as session:
            start = time.perf_counter()
            patch(session, slug, group.id, ["weekly", "monthly"][i % 2])
            times["patch_group"].append((time.perf_counter() - start) * 1000)
        with Session(engine) as session:
            start = time.perf_counter()
            add(session, slug, group.id, outsiders[i])
            times["add_member"].append((time.perf_counter() - start) * 1000)
    engine.dispose()
    seats = sum(len(g.members) for g in document.groups)
    return {
        "seats": seats,
        "group_seats": len(group.members),
        **{
            name: {"median_ms": round(statistics.median(t), 2), "runs_ms": [round(x, 2) for x in t]}
            for name, t in times.items()
        },
    }


def main(argv: list[str]) -> dict:
    repeat = int(argv[0]) if argv else 9
    with tempfile.TemporaryDirectory() as folder:
        results = {name: measure(doc, repeat, Path(folder)) for name, doc in documents().items()}
    from app.storage import edits

    results["path"] = "rows" if hasattr(edits, "add_seat") else "whole document"
    return results


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
