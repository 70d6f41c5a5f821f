"""locmap's application layer: configuration, storage, the command line and
(later) the web service.  It depends on :mod:`models` and :mod:`analysis`;
neither depends on it."""

__version__ = "0.1.0"
