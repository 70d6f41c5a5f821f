"""The six Oxfordshire pilot localities (Glenny, 2005) as ``locmap/1`` files, and the templates.

A data package: it holds no code, so that the wheel carries the files and
:mod:`app.samples` can read them through :mod:`importlib.resources`.
"""
