"""locmap's application layer: configuration, storage, the command line and
the web service.  It depends on :mod:`models` and :mod:`analysis`; neither
depends on it.

Researchers use :mod:`app.library`, the documented Python API
(``from app import library as locmap``; ``docs/python.md``).
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``app.library`` on first use (PEP 562): every command imports this
    # package for its version, and must not pay for the analyses.
    if name == "library":
        import importlib

        return importlib.import_module("app.library")
    raise AttributeError(f"module 'app' has no attribute {name!r}")
