"""Errors raised by the LiveRC parsers: a page that is not what it should be.

Every parser failure is a :class:`LiveRCParseError` (a ``ValueError``) whose
message is a single line naming what was missing or wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from track_sync_assets.domain import RejectedRow


class LiveRCParseError(ValueError):
    """Base class: the page's structure is not the one the parser knows."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class TrackListStructureError(LiveRCParseError):
    """The track list page has no (complete) track table, or is another kind of page."""


class DashboardStructureError(LiveRCParseError):
    """A track dashboard page lacks its About panel, its address, or is another kind of page."""


class TrackListRowError(TrackListStructureError):
    """Raised by the strict :func:`parse_track_list` when some rows could not be read."""

    def __init__(self, rejected: Sequence[RejectedRow]) -> None:
        more = f" (and {len(rejected) - 1} more rejected rows)" if len(rejected) > 1 else ""
        super().__init__(rejected[0].message + more)
        self.rejected = tuple(rejected)
