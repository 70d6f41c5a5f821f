"""The six Oxfordshire pilot localities that ship with locmap as sample data.

They are package data of :mod:`sample_localities`, read through
:mod:`importlib.resources`, so they are found in a checkout and in an
installed wheel alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from app.errors import UserError

SAMPLE_SLUGS = ("abingdon", "banbury", "bicester", "city", "kidlington", "thame")


def samples_dir() -> Path:
    """The folder holding the sample localities and the spreadsheet template."""
    folder = resources.files("sample_localities")
    # Every supported install (wheel, editable, checkout) unpacks to a folder;
    # only a zipped import would not, and locmap is not shipped that way.
    path = Path(str(folder))
    if not (path / "thame.yaml").is_file():
        raise UserError(f"the sample localities are not installed (looked in {path})")
    return path


def sample_paths() -> list[Path]:
    """The six sample locality files, in the report's order."""
    folder = samples_dir()
    return [folder / f"{slug}.yaml" for slug in SAMPLE_SLUGS]


def template_workbook() -> Path:
    """The spreadsheet co-ordinators fill in for a new locality."""
    return samples_dir() / "template.xlsx"
