"""Stored localities: database, store, edits, migrations, backups, accounts."""
