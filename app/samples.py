"""The six Oxfordshire pilot localities that ship with locmap as sample data."""

from __future__ import annotations

from pathlib import Path

from .errors import UserError

SAMPLE_SLUGS = ("abingdon", "banbury", "bicester", "city", "kidlington", "thame")


def samples_dir() -> Path:
    """The ``sample_localities`` folder of this checkout."""
    here = Path(__file__).resolve().parent.parent / "sample_localities"
    if not here.is_dir():
        raise UserError(f"the sample localities are not installed (looked in {here})")
    return here


def sample_paths() -> list[Path]:
    folder = samples_dir()
    return [folder / f"{slug}.yaml" for slug in SAMPLE_SLUGS]
