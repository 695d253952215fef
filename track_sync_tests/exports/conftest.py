"""Fixtures of the export tests: the seeded catalogue's frame on SQLite."""

from __future__ import annotations

import pandas as pd
import pytest

from track_sync_tests.exports.seed import seeded_frame


@pytest.fixture
def tracks_frame(sqlite_url: str) -> pd.DataFrame:
    """``tracks_frame(active_only=True)`` of the seeded catalogue on SQLite."""
    return seeded_frame(sqlite_url)
