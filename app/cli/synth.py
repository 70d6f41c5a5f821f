"""``locmap synth``: synthetic localities for tests and benchmarks."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from app.cli.app import cli, err, out
from app.errors import UserError


@cli.command()
def synth(
    scale: Annotated[
        str, typer.Option("--scale", help="locality (one file), county or national (a folder of locality files).")
    ],
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same data.")] = 1,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="A .yaml/.json file (locality) or a folder (county, national).", show_default=False
        ),
    ] = Path("synthetic"),
    census: Annotated[
        bool,
        typer.Option(
            "--census",
            help="Also write synthetic member-census answers, <slug>.census.json beside each locality file "
            "(load one with 'locmap census fill SLUG --answers FILE').",
        ),
    ] = False,
) -> None:
    """Make realistic synthetic localities for tests and benchmarks, with planted defects."""
    from app.synth import SCALES, write

    if scale not in SCALES:
        raise UserError(f"--scale {scale!r}: use one of {', '.join(SCALES)}")
    if scale == "locality" and output.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise UserError(f"{output}: a locality is one file; use a .yaml or .json name")
    if scale != "locality" and output.exists() and not output.is_dir():
        raise UserError(f"{output} exists and is not a folder")
    # A national set takes minutes: show that work goes on (on a terminal only).
    working = err.status(f"writing synthetic {scale} data") if err.is_terminal else nullcontext()
    with working:
        paths = write(scale, seed, output, _census_beside(seed) if census else None)
    out.print(f"wrote {len(paths)} file(s) of synthetic {scale} data (seed {seed}) to {output}", markup=False)
    if census:
        out.print("the census answers are synthetic: nobody gave them", markup=False)


def _census_beside(seed: int):
    """Write a locality's synthetic census answers beside its file, as ``<slug>.census.json``."""
    from app.synth.census import answers_file, answers_path, census_answers

    def beside(document, file: Path) -> list[Path]:
        slug = document.locality.id
        target = answers_path(file.parent, slug)
        target.write_text(answers_file(slug, seed, census_answers(document, seed)), encoding="utf-8")
        return [target]

    return beside
