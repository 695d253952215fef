"""Dagster resources: configuration only; the work is done by the layers underneath.

Every field defaults to ``None``, meaning "read the environment variable at run
time" (see docs/configuration.md), so secrets in URLs never show in the UI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource

from track_sync_assets.geocoding import Geocoder, geocoder_from_env
from track_sync_assets.liverc.client import ClientSettings
from track_sync_assets.store import CatalogueStore


class CatalogueResource(ConfigurableResource):
    """The catalogue database (``TRACK_SYNC_DATABASE_URL``, default SQLite under dagster_home/)."""

    database_url: str | None = None

    @contextmanager
    def open(self) -> Iterator[CatalogueStore]:
        """A store with its schema migrated (idempotent); its connections close on exit."""
        store = CatalogueStore(self.database_url)
        try:
            store.migrate()
            yield store
        finally:
            store.dispose()


class LiveRCResource(ConfigurableResource):
    """How to reach LiveRC (``LIVERC_*`` and ``TRACK_SYNC_*`` client variables)."""

    list_url: str | None = None
    track_url_template: str | None = None
    max_concurrency: int | None = None
    max_rps: float | None = None

    def settings(self) -> ClientSettings:
        overrides = {
            name: value
            for name in ("list_url", "track_url_template", "max_concurrency", "max_rps")
            if (value := getattr(self, name)) is not None
        }
        return ClientSettings.from_env(**overrides)


class GeocoderResource(ConfigurableResource):
    """Which geocoder to use (``TRACK_SYNC_GEOCODER``: ``offline`` or ``nominatim``)."""

    kind: str | None = None

    def build(self) -> Geocoder:
        environ = dict(os.environ)
        if self.kind:
            environ["TRACK_SYNC_GEOCODER"] = self.kind
        return geocoder_from_env(environ)
