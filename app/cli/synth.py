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
        paths = write(scale, seed, output)
    out.print(f"wrote {len(paths)} file(s) of synthetic {scale} data (seed {seed}) to {output}", markup=False)
