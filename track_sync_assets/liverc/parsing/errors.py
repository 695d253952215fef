"""Errors raised by the LiveRC parsers: a page that is not what it should be.

Every parser failure is a :class:`LiveRCParseError` (a ``ValueError``) whose
message is a single line naming what was missing or wrong.
"""

from __future__ import annotations


class LiveRCParseError(ValueError):
    """Base class: the page's structure is not the one the parser knows."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class TrackListStructureError(LiveRCParseError):
    """The track list page has no (complete) track table, or is another kind of page."""


class DashboardStructureError(LiveRCParseError):
    """A track dashboard page lacks its About panel, its address, or is another kind of page."""
