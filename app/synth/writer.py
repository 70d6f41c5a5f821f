"""Writing a scale's localities: one file, or a folder of files with an index."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from app.synth.scales import SCALES, iter_synth
from models.document import LocalityDocument
from models.validation import dump_document


def _counts(doc: LocalityDocument) -> dict:
    return {
        "agencies": len(doc.agencies),
        "people": len(doc.people),
        "groups": len(doc.groups),
        "memberships": sum(len(g.members) for g in doc.groups),
        "links": len(doc.links),
    }


def write(
    scale: str, seed: int, path: Path, beside: Callable[[LocalityDocument, Path], list[Path]] | None = None
) -> list[Path]:
    """Write a scale's localities; returns the files written.

    Scale ``locality`` writes one file at ``path`` (``.yaml``, ``.yml`` or
    ``.json``); ``county`` and ``national`` write a folder ``path`` holding
    ``<slug>.json`` for each locality and ``index.json`` listing them, their
    counts and planted defects, and the totals.  ``beside(document, file)``,
    if given, is called after each locality file is written and returns any
    files it wrote beside it (``locmap synth --census``).
    """
    path = Path(path)
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if scale == "locality":
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml", ".json"):
            raise ValueError(f"scale 'locality' writes one file: give a .yaml or .json path, not {str(path)!r}")
        ((doc, _),) = list(iter_synth(scale, seed))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_document(doc, suffix), encoding="utf-8")
        return [path, *(beside(doc, path) if beside else [])]
    if path.exists() and not path.is_dir():
        raise ValueError(f"scale {scale!r} writes a folder, and {str(path)!r} is a file")
    path.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries = []
    totals = {"localities": 0, "agencies": 0, "people": 0, "groups": 0, "memberships": 0, "links": 0}
    unique: set[str] = set()
    for doc, defects in iter_synth(scale, seed):
        file = path / f"{doc.locality.id}.json"
        file.write_text(dump_document(doc, ".json"), encoding="utf-8")
        written.append(file)
        written += beside(doc, file) if beside else []
        counts = _counts(doc)
        for k, v in counts.items():
            totals[k] += v
        totals["localities"] += 1
        unique.update(p.id for p in doc.people)
        entries.append(
            {
                "id": doc.locality.id,
                "name": doc.locality.name,
                "authority": doc.locality.authority,
                "file": file.name,
                "counts": counts,
                "defects": [{"defect": d, "code": code, "subjects": subjects} for d, code, subjects in defects],
            }
        )
    totals["unique_people"] = len(unique)
    index = {"format": "locmap-synth/1", "scale": scale, "seed": seed, "localities": entries, "counts": totals}
    index_path = path / "index.json"
    index_path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [index_path, *written]
