"""locmap's data: the ``locmap/1`` document (file format), its vocabularies and
validation, and the SQLModel tables that store localities.

Import submodules directly: :mod:`models.document` and :mod:`models.vocab`
carry no database dependency; :mod:`models.tables` does.
"""
