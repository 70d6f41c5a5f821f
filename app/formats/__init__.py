"""Localities in and out of files: locmap/1, spreadsheets, graph exports, pseudonymised export, reports."""
