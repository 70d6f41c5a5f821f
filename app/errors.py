"""Errors meant for the user: shown as a message, never as a traceback."""


class UserError(Exception):
    """Something the user can fix: a bad argument, a missing locality, ..."""

    exit_code = 1


class NotFound(UserError):
    exit_code = 3


class Conflict(UserError):
    exit_code = 4
