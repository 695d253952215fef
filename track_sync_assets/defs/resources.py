"""The Dagster resources: typed configuration, shown with defaults in the UI.

Each resource builds the settings object of the layer below it and passes it down
explicitly; the environment is mapped onto these fields in one place
(:mod:`track_sync_assets.environment.resources`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import AssetKey, ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from track_sync_assets.environment.client import parse_resolve
from track_sync_assets.environment.resources import resource_fields
from track_sync_assets.geocoding import Geocoder, GeocoderSettings, geocoder_from_settings
from track_sync_assets.liverc.client import ClientSettings
from track_sync_assets.report.files import reports_dir
from track_sync_assets.store import CatalogueStore, SanityGuard, project_root
from track_sync_assets.store.errors import CatalogueUnavailable
from track_sync_assets.store.switches import SCRAPING

logger = logging.getLogger(__name__)
_CLIENT_DEFAULTS = ClientSettings()
_GEOCODER_DEFAULTS = GeocoderSettings()


class CatalogueResource(ConfigurableResource):
    """The catalogue database; one engine per run, migrated once at the start of the run."""

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the catalogue (secret: set TRACK_SYNC_DATABASE_URL); "
        "empty: the SQLite file dagster_home/track_sync.db",
    )
    lock_timeout_s: float = Field(
        default=60.0, description="How long a catalogue write waits for another sync's lock"
    )
    guard_min_share: float = Field(
        default=0.8,
        description="Share of the active catalogue a track list must still list, or it is "
        "refused and nothing is deactivated",
    )
    guard_min_rows: int = Field(default=1, description="Fewest rows a track list may have")

    _store: CatalogueStore | None = PrivateAttr(default=None)
    _migrated: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Build the run's store; create or upgrade the schema now, before anything is
        fetched. Only a run that starts a sync (the track list) may create a missing
        catalogue: any other run fails loudly rather than work on an empty one."""
        store = self.build_store()
        run = context.dagster_run
        starts_a_sync = (
            run is None
            or AssetKey("liverc_track_list") in (run.asset_selection or ())
            or run.job_name == "track_list_job"
        )
        if not starts_a_sync and not store.exists():
            store.dispose()
            raise CatalogueUnavailable(
                f"the catalogue {store.url} does not exist: it is created by a sync's first "
                "run (the track list) or by `track-sync migrate`, never in the middle of one"
            )
        started = time.perf_counter()
        self._migrated = store.migrate()
        if self._migrated:
            (context.log if context.dagster_run is not None else logger).info(
                f"catalogue {store.url}: schema created or upgraded to the latest revision "
                f"in {time.perf_counter() - started:.2f} s"
            )
        self._store = store

    @property
    def migrated_on_setup(self) -> bool:
        """Whether setting this resource up created or upgraded the schema."""
        return self._migrated

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None

    def build_store(self) -> CatalogueStore:
        """A new store on this resource's settings (the caller disposes it)."""
        return CatalogueStore(
            self.database_url or None,
            lock_timeout_s=self.lock_timeout_s,
            auto_migrate=False,
        )

    @property
    def guard(self) -> SanityGuard:
        return SanityGuard(min_rows=self.guard_min_rows, min_share_of_active=self.guard_min_share)

    @contextmanager
    def open(self) -> Iterator[CatalogueStore]:
        """The run's store (set up once per run); outside a run, a store for this block."""
        if self._store is not None:
            yield self._store
            return
        store = self.build_store()
        try:
            store.migrate()
            yield store
        finally:
            store.dispose()


class LiveRCResource(ConfigurableResource):
    """How to reach LiveRC and how politely (see docs/client.md)."""

    list_url: str = Field(default=_CLIENT_DEFAULTS.list_url, description="LiveRC's track list")
    track_url_template: str = Field(
        default=_CLIENT_DEFAULTS.track_url_template, description="Dashboard URL with {slug}"
    )
    contact: str = Field(
        default=_CLIENT_DEFAULTS.contact, description="Who to contact about the bot (User-Agent)"
    )
    project_url: str = Field(default=_CLIENT_DEFAULTS.project_url, description="For the User-Agent")
    scrape_enabled: bool = Field(
        default=True,
        description="Deploy-time kill switch (TRACK_SYNC_SCRAPE_ENABLED); at run time use "
        "`track-sync scraping off`, which every process sees at once",
    )
    max_concurrency: int = Field(default=6, description="Requests in flight at most")
    max_rps: float = Field(default=3.0, description="Request starts per second at most")
    min_rps: float = Field(default=0.2, description="Floor of the rate under LiveRC-wide pressure")
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    request_timeout_s: float = 30.0
    max_attempts: int = Field(default=4, description="Attempts per page (client retries)")
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    retry_after_cap_s: float = 60.0
    rate_recovery_s: float = Field(
        default=30.0, description="Seconds to win back the full rate after LiveRC-wide pressure"
    )
    pressure_share: float = Field(
        default=0.25,
        description="Share of recent answers that are 503s/timeouts (over many tracks) that "
        "counts as LiveRC-wide pressure",
    )
    robots_max_age_s: float = Field(
        default=24 * 3600.0, description="How long a robots.txt is kept (RFC 9309: 24 h at most)"
    )
    resolve: str = Field(
        default="",
        description="HOST=IP,... connect these hosts to these addresses (the simulator's "
        "per-track origins); empty for the real LiveRC",
    )

    def client_settings(self) -> ClientSettings:
        """The client's settings from these fields."""
        known = {f.name for f in dataclasses.fields(ClientSettings)}
        values = {
            name: value
            for name, value in self.__dict__.items()
            if name in known and name != "resolve"
        }
        resolve = parse_resolve(self.resolve) if self.resolve.strip() else ()
        return ClientSettings(**values, resolve=resolve)

    def stop_reason(self, store: CatalogueStore) -> str | None:
        """Why scraping must stop now (deploy-time variable or the runtime switch)."""
        if not self.scrape_enabled:
            return "scraping is disabled by TRACK_SYNC_SCRAPE_ENABLED"
        switch = store.switch(SCRAPING)
        if not switch.enabled:
            why = f": {switch.reason}" if switch.reason else ""
            return f"scraping was switched off by {switch.changed_by}{why}"
        return None


class GeocoderResource(ConfigurableResource):
    """Which geocoder to use (offline gazetteer by default, or Nominatim)."""

    kind: str = Field(default="offline", description="offline or nominatim")
    nominatim_url: str = _GEOCODER_DEFAULTS.nominatim_url
    nominatim_min_delay_s: float = Field(
        default=1.0, description="Seconds between Nominatim requests (its usage policy: 1)"
    )
    nominatim_timeout_s: float = 10.0
    contact: str = Field(default="", description="Operator contact sent to Nominatim")
    gazetteer_cache_dir: str = Field(
        default="",
        description="Folder of the offline gazetteer's cache file; empty: ~/.cache/track-sync, "
        "off: no cache file",
    )

    def build(self) -> Geocoder:
        return geocoder_from_settings(
            GeocoderSettings(
                kind=self.kind.strip().lower(),
                nominatim_url=self.nominatim_url,
                min_delay_s=self.nominatim_min_delay_s,
                timeout_s=self.nominatim_timeout_s,
                contact=self.contact or None,
                gazetteer_cache_dir=self.gazetteer_cache_dir,
            )
        )


class SyncPolicyResource(ConfigurableResource):
    """How a sync is judged, what it refreshes and how failed tracks are retried."""

    max_failure_share: float = Field(
        default=0.5,
        description="Above this share of listed tracks failing, the sync failed and the "
        "catalogue is not updated",
    )
    failure_warn_share: float = Field(
        default=0.05, description="Above this share of listed tracks failing, a check warns"
    )
    refresh_max_age_days: int = Field(
        default=7, description="Every listed dashboard is re-fetched at least this often"
    )
    departed_refresh_days: int = Field(
        default=30, description="Tracks off the list longer than this are no longer fetched"
    )
    retry_delays_minutes: list[int] = Field(
        default=[30, 120, 360],
        description="Failed tracks are retried automatically after these waits (minutes)",
    )
    lease_wait_s: float = Field(
        default=900.0, description="How long a step waits for another sync to finish"
    )
    progress_interval_s: float = Field(
        default=10.0, description="Seconds between progress lines of the dashboards run"
    )


class ReportsResource(ConfigurableResource):
    """Where the Markdown change reports go and how long they are kept."""

    folder: str = Field(default="", description="Report folder; empty: docs/reports")
    retention_days: int = Field(default=90, description="Reports older than this are pruned")

    def directory(self) -> Path:
        return reports_dir(project_root(), self.folder)


RESOURCE_CLASSES: dict[str, type[ConfigurableResource]] = {
    "catalogue": CatalogueResource,
    "liverc": LiveRCResource,
    "geocoder": GeocoderResource,
    "sync_policy": SyncPolicyResource,
    "reports": ReportsResource,
}


def build_resources(
    classes: Mapping[str, type[ConfigurableResource]],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, ConfigurableResource]:
    """One resource per class, its fields taken from ``environ`` (when given) then
    ``overrides`` (resource key -> {field: value}); tests and ``track-sync demo`` pass
    overrides."""
    fields = resource_fields(environ) if environ is not None else {}
    overrides = overrides or {}
    return {
        key: cls(**{**fields.get(key, {}), **overrides.get(key, {})})
        for key, cls in classes.items()
    }
