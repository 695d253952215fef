"""Environment variables -> the catalogue's settings, for callers outside Dagster.

The store itself reads no environment; the Dagster resource gets the same variables
from :mod:`track_sync_assets.environment.resources`. Used by the alembic command line
(``store/migrations/env.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DATABASE_URL_VAR = "TRACK_SYNC_DATABASE_URL"


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """``TRACK_SYNC_DATABASE_URL`` (trimmed), None when unset or blank (the default file)."""
    env = os.environ if environ is None else environ
    return env.get(DATABASE_URL_VAR, "").strip() or None
