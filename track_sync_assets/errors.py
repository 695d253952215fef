"""Errors said in one line (console lines, failure descriptions, fetch outcomes)."""

from __future__ import annotations

_TRAILERS = ("(Background on this error", "[SQL:", "[parameters:")
"""Lines SQLAlchemy appends to a database error's message."""


def error_line(error: BaseException | str) -> str:
    """The line of an error's message that says what went wrong: the first non-blank line
    that is not one of SQLAlchemy's trailers; for an exception without a message, its type
    name (an empty message string stays empty)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(_TRAILERS)]
    fallback = type(error).__name__ if isinstance(error, BaseException) else ""
    return (useful or lines or [fallback])[0]
