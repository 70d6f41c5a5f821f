"""``python -m app.cli``: the same as the ``locmap`` console script."""

from app.cli import run

run()
